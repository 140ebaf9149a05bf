import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { lockedMail } from '#server/mail/templates.ts';
import { checkCode, matchesExpiredCode } from '#server/identity/one-time-code.ts';
import { hashPassword, needsRehash, verifyDummy, verifyPassword } from '#server/identity/password.ts';
import { findUserByUsername, hasFactorSql, normalizeUsername, passwordExpiresAt, type User } from '#server/identity/users.ts';

export interface LoginContext {
  clock: Clock;
  config: Config;
  /** The client address as the audit log keeps it. */
  client: string;
}

export type LoginOutcome =
  | { kind: 'ok'; user: User; passwordExpired: boolean; viaOneTimePassword: boolean }
  | { kind: 'failed' }
  /** The user's own one-time password, typed after it ran out: not a failure, and it says so. */
  | { kind: 'oneTimePasswordExpired' }
  | { kind: 'locked'; until: Date };

/** The throttle's key: a hash of the normalised username, existing or not. */
const usernameKey = (username: string) => createHash('sha256').update(normalizeUsername(username)).digest('base64url');

/**
 * One login attempt. Every path costs exactly one argon2 verification (a dummy one when
 * the username is unknown, the account inactive or locked), and an unknown username is
 * counted and locked exactly like a known one, so nothing tells them apart.
 *
 * The attempt is counted before the password is checked, in one atomic upsert: of any
 * number of simultaneous attempts, only the first `lockoutMaxFailures + 1` reach the
 * real hash. Attempts during a lock do not extend it; a lock ends by itself. The counter
 * is the username's one counter (countAttempt): wrong codes at the second step add to it.
 */
export async function attemptLogin(
  db: Db,
  username: string,
  password: string,
  context: LoginContext,
  options: { acceptOneTimePassword?: boolean } = {},
): Promise<LoginOutcome> {
  const { clock, config } = context;
  const rules = config.rules;
  const now = clock.now();
  const key = usernameKey(username);

  const counted = await countAttempt(db, username, context);
  if (counted.kind === 'locked') {
    await verifyDummy(password);
    return counted;
  }
  if (counted.kind === 'beyond') {
    // Beyond the allowed attempts while the last allowed ones are still being checked.
    await verifyDummy(password);
    return { kind: 'locked', until: await lockAndTell(db, key, username, lockEnd(context), context) };
  }
  const maxAttempts = rules.lockoutMaxFailures + 1;

  const user = await findUserByUsername(db, username);
  const active = user && user.status === 'active';
  const matches = active && user.password_hash ? await verifyPassword(user.password_hash, password) : await verifyDummy(password);
  // In the kiosk, a new user's one-time password stands in for the password (a cheap hash check on top).
  const viaOneTimePassword = !matches && !!active && !!options.acceptOneTimePassword && (await checkCode(db, user.id, 'first_login', password, clock)) === 'ok';

  if ((matches || viaOneTimePassword) && user) {
    await passwordAccepted(db, key, user.id);
    if (matches && needsRehash(user.password_hash!)) {
      await db
        .updateTable('app_user')
        .set({ password_hash: await hashPassword(password) })
        .where('id', '=', user.id)
        .execute();
    }
    const expiresAt = user.password_changed_at && passwordExpiresAt(user.password_changed_at, rules.passwordMaxAgeMonths);
    return { kind: 'ok', user, passwordExpired: !!expiresAt && expiresAt <= now, viaOneTimePassword };
  }

  // In the kiosk, a user who has not chosen a password yet and types their own one-time
  // password after it expired is told so, and the attempt is given back: knowing the code
  // is no guessing. A wrong or unknown code goes on as any failure, so this says nothing to
  // a guesser. (Only where one-time passwords are taken: the login page's answers, and
  // their timing, stay as they were.)
  if (active && options.acceptOneTimePassword && !user.password_hash && (await matchesExpiredCode(db, user.id, 'first_login', password, clock))) {
    await db.updateTable('login_throttle').set({ attempts: sql`greatest(login_throttle.attempts - 1, 0)` }).where('username_key', '=', key).execute();
    await recordAudit(db, {
      event: 'login.oneTimePasswordExpired',
      at: now,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client: context.client,
    });
    return { kind: 'oneTimePasswordExpired' };
  }
  if (counted.attempts >= maxAttempts) return { kind: 'locked', until: await lockAndTell(db, key, username, lockEnd(context), context) };
  // An unknown username's failure is recorded too (with no subject): the same write on both
  // paths, so the time the answer takes does not tell whether the username exists.
  await recordAudit(db, {
    event: 'login.failed',
    at: now,
    subjectUserId: user?.id ?? null,
    organisationId: user?.organisation_id ?? null,
    client: context.client,
  });
  return { kind: 'failed' };
}

/** What counting one attempt found: go on (with the attempt's number), locked, or beyond the allowed attempts. */
export type CountedAttempt = { kind: 'counted'; attempts: number } | { kind: 'locked'; until: Date } | { kind: 'beyond' };

const lockEnd = (context: LoginContext) => new Date(context.clock.now().getTime() + context.config.rules.lockoutMinutes * 60_000);

/**
 * Counts one attempt at proving who someone is (a password, a code from an app, a recovery
 * code) against the username's one counter, before it is checked, in one atomic upsert.
 * Attempts during a lock do not extend it; a lock ends by itself, and a window with no
 * attempt for as long as a lock lasts starts the count again.
 */
export async function countAttempt(db: Db, username: string, context: LoginContext): Promise<CountedAttempt> {
  const now = context.clock.now();
  const lockMs = context.config.rules.lockoutMinutes * 60_000;
  const counted = await db
    .insertInto('login_throttle')
    .values({ username_key: usernameKey(username), attempts: 1, last_attempt_at: now, locked_until: null })
    .onConflict((oc) =>
      oc.column('username_key').doUpdateSet({
        attempts: sql`case
          when login_throttle.locked_until > ${now} then login_throttle.attempts
          when login_throttle.locked_until is not null or login_throttle.last_attempt_at < ${new Date(now.getTime() - lockMs)} then 1
          else login_throttle.attempts + 1 end`,
        locked_until: sql`case when login_throttle.locked_until > ${now} then login_throttle.locked_until else null end`,
        last_attempt_at: now,
      }),
    )
    .returning(['attempts', 'locked_until'])
    .executeTakeFirstOrThrow();
  if (counted.locked_until && counted.locked_until > now) return { kind: 'locked', until: counted.locked_until };
  if (counted.attempts > context.config.rules.lockoutMaxFailures + 1) return { kind: 'beyond' };
  return { kind: 'counted', attempts: counted.attempts };
}

/**
 * A right password. For a user without a second factor it ends the count. For one with a
 * factor it only gives back its own attempt: the wrong passwords and codes before it still
 * count until the second step succeeds, so knowing the password never buys more guesses
 * at the code.
 */
async function passwordAccepted(db: Db, key: string, userId: number): Promise<void> {
  await db
    .updateTable('login_throttle')
    .set({ attempts: sql`case when ${hasFactorSql(userId)} then greatest(login_throttle.attempts - 1, 0) else 0 end` })
    .where('username_key', '=', key)
    .execute();
}

/** A second factor shown: the count starts again. */
export async function attemptSucceeded(db: Db, username: string): Promise<void> {
  await db.updateTable('login_throttle').set({ attempts: 0 }).where('username_key', '=', usernameKey(username)).execute();
}

/**
 * A wrong code at the second step, after countAttempt counted it: the attempt that reaches
 * the limit locks the account (and tells the owner), exactly as a wrong password would.
 */
export async function attemptFailed(
  db: Db,
  username: string,
  attempts: number,
  context: LoginContext,
): Promise<{ kind: 'failed' } | { kind: 'locked'; until: Date }> {
  if (attempts >= context.config.rules.lockoutMaxFailures + 1) {
    return { kind: 'locked', until: await lockAndTell(db, usernameKey(username), username, lockEnd(context), context) };
  }
  return { kind: 'failed' };
}

/**
 * Sets the lock unless one is already set, and returns the lock that holds. Of any number
 * of simultaneous attempts exactly one sets it (the UPDATE re-checks `locked_until is null`
 * on the row it waited for), and that one, and only that one, tells the owner.
 */
async function lockAndTell(db: Db, key: string, username: string, until: Date, context: LoginContext): Promise<Date> {
  const set = await db
    .updateTable('login_throttle')
    .set({ locked_until: until })
    .where('username_key', '=', key)
    .where('locked_until', 'is', null)
    .returning('locked_until')
    .executeTakeFirst();
  if (!set) {
    const held = await db.selectFrom('login_throttle').select('locked_until').where('username_key', '=', key).executeTakeFirst();
    return held?.locked_until ?? until;
  }
  await tellOwnerOfLock(db, await findUserByUsername(db, username), until, context);
  return until;
}

// Stands in for an unknown username, so that both paths render and write the same.
const NOBODY = { first_name: '', username: '' };

/**
 * The account's owner, and nobody else, learns of the lock: by e-mail, with a way out
 * through the kiosk. An unknown username runs the same statements; the mail's INSERT … SELECT
 * then finds no owner and writes no row.
 */
async function tellOwnerOfLock(db: Db, user: User | undefined, until: Date, context: LoginContext): Promise<void> {
  const mail = lockedMail(user ?? NOBODY, until, context.config);
  await db.transaction().execute(async (trx) => {
    await recordAudit(trx, {
      event: 'login.locked',
      at: context.clock.now(),
      subjectUserId: user?.id ?? null,
      organisationId: user?.organisation_id ?? null,
      client: context.client,
      detail: { until: until.toISOString() },
    });
    await trx
      .insertInto('mail_outbox')
      .columns(['to_address', 'subject', 'text_body', 'html_body'])
      .expression((eb) =>
        eb
          .selectFrom('app_user')
          .select((inner) => ['email', inner.val(mail.subject).as('subject'), inner.val(mail.text).as('text_body'), inner.val(mail.html).as('html_body')])
          .where('id', '=', user?.id ?? 0),
      )
      .execute();
  });
}

/** Lifts a lock (after a successful password reset). */
export async function unlockUsername(db: Db, username: string): Promise<boolean> {
  const result = await db
    .updateTable('login_throttle')
    .set({ attempts: 0, locked_until: null })
    .where('username_key', '=', usernameKey(username))
    .where('locked_until', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Whether the username is locked now, and until when. */
export async function lockedUntil(db: Db, username: string, now: Date): Promise<Date | null> {
  const row = await db.selectFrom('login_throttle').select('locked_until').where('username_key', '=', usernameKey(username)).executeTakeFirst();
  return row?.locked_until && row.locked_until > now ? row.locked_until : null;
}
