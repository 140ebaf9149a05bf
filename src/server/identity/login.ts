import { createHash } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { hashLimitKey, type Limit } from '#server/platform/rate-limit.ts';
import { lockedMail } from '#server/mail/templates.ts';
import { checkCode, matchesExpiredCode } from '#server/identity/one-time-code.ts';
import { hashPassword, needsRehash, verifyDummy, verifyPassword } from '#server/identity/password.ts';
import { newSession, type SessionLimits, type SessionMeta } from '#server/identity/session.ts';
import { findUserByUsername, hasFactorSql, normalizeUsername, passwordExpiresAt, type User } from '#server/identity/users.ts';

export interface LoginContext {
  clock: Clock;
  config: Config;
  /** The client address as the audit log keeps it. */
  client: string;
}

export type LoginOutcome =
  /** `session` when the caller asked for one and the password has not expired: stored with its audit row. */
  | { kind: 'ok'; user: User; hasSecondFactor: boolean; passwordExpired: boolean; viaOneTimePassword: boolean; session?: { token: string } }
  | { kind: 'failed' }
  /** The user's own one-time password, typed after it ran out: not a failure, and it says so. */
  | { kind: 'oneTimePasswordExpired' }
  | { kind: 'locked'; until: Date };

/** The client's own limit (options.clientLimit) is spent: nothing was checked or counted for the username. */
export type TooMany = { kind: 'tooMany'; retryAfterSeconds: number };

export interface LoginOptions {
  acceptOneTimePassword?: boolean;
  /** The client's own limit, counted in the same statement as the username's attempt. */
  clientLimit?: Limit;
  /** Start a session on success (unless the password has expired), stored with the login's audit row. */
  session?: { limits: SessionLimits; meta: SessionMeta };
}

type CountedRow = { [K in keyof User]: User[K] | null } & {
  client_count: number;
  counted_attempts: number | null;
  counted_locked_until: Date | null;
  has_second_factor: boolean;
};

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
  options: LoginOptions & { clientLimit: Limit },
): Promise<LoginOutcome | TooMany>;
export async function attemptLogin(
  db: Db,
  username: string,
  password: string,
  context: LoginContext,
  options?: Omit<LoginOptions, 'clientLimit'>,
): Promise<LoginOutcome>;
export async function attemptLogin(
  db: Db,
  username: string,
  password: string,
  context: LoginContext,
  options: LoginOptions = {},
): Promise<LoginOutcome | TooMany> {
  const { clock, config } = context;
  const rules = config.rules;
  const now = clock.now();
  const key = usernameKey(username);

  // One round trip: the client's limit, the username's attempt and the user. The attempt is
  // only counted when the client is within its limit (the INSERT's WHERE), so a refused
  // client counts against nobody's username.
  const limit = options.clientLimit;
  const windowStart = limit && new Date(now.getTime() - (now.getTime() % limit.windowMs));
  const client = limit
    ? sql`client as (
        insert into rate_limit (bucket, key, window_start, count) values (${limit.bucket}, ${hashLimitKey(limit.key)}, ${windowStart}, 1)
        on conflict (bucket, key, window_start) do update set count = rate_limit.count + 1
        returning count),`
    : sql``;
  const { rows } = await sql<CountedRow>`
    with ${client} counted as (${countSql(key, context, limit ? sql`(select count from client) <= ${limit.max}` : undefined)})
    select ${limit ? sql`(select count from client)` : sql`0`}::int as client_count,
      (select attempts from counted) as counted_attempts, (select locked_until from counted) as counted_locked_until,
      ${hasFactorSql(sql.ref('u.id'))} as has_second_factor, u.*
    from (select 1) as one left join app_user u on u.username = ${normalizeUsername(username)}`.execute(db);
  const { client_count, counted_attempts, counted_locked_until, has_second_factor: hasSecondFactor, ...found } = rows[0];
  if (limit && client_count > limit.max) {
    return { kind: 'tooMany', retryAfterSeconds: Math.max(1, Math.ceil((windowStart!.getTime() + limit.windowMs - now.getTime()) / 1000)) };
  }
  const counted = toCounted({ attempts: counted_attempts!, locked_until: counted_locked_until }, context);
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

  const user: User | undefined = found.id === null ? undefined : (found as User);
  const active = user && user.status === 'active';
  const matches = active && user.password_hash ? await verifyPassword(user.password_hash, password) : await verifyDummy(password);
  // In the kiosk, a new user's one-time password stands in for the password (a cheap hash check on top).
  const viaOneTimePassword = !matches && !!active && !!options.acceptOneTimePassword && (await checkCode(db, user.id, 'first_login', password, clock)) === 'ok';

  if ((matches || viaOneTimePassword) && user) {
    const expiresAt = user.password_changed_at && passwordExpiresAt(user.password_changed_at, rules.passwordMaxAgeMonths);
    const passwordExpired = !!expiresAt && expiresAt <= now;
    const session = options.session && !passwordExpired ? newSession(user.id, clock, options.session.limits, options.session.meta) : undefined;
    // The right password ends the count, or for a user with a second factor gives back only
    // its own attempt: the wrong passwords and codes before it still count until the second
    // step succeeds, so knowing the password never buys more guesses at the code. With the
    // session and its audit row when asked for: one statement.
    let accepted = db.with('accepted', (q) =>
      q
        .updateTable('login_throttle')
        .set({ attempts: hasSecondFactor ? sql`greatest(login_throttle.attempts - 1, 0)` : 0 })
        .where('username_key', '=', key),
    );
    if (session) {
      accepted = accepted
        .with('created', (q) => q.insertInto('user_session').values(session.row))
        .with('audited', (q) =>
          q.insertInto('audit_event').values({
            event: 'login.succeeded',
            at: now,
            subject_user_id: user.id,
            organisation_id: user.organisation_id,
            client: context.client,
            detail: JSON.stringify({}),
          }),
        );
    }
    await accepted.selectNoFrom(sql<number>`1`.as('done')).execute();
    // Only a hash made with other parameters costs a second argon2 run, and only once.
    if (matches && needsRehash(user.password_hash!)) {
      await db
        .updateTable('app_user')
        .set({ password_hash: await hashPassword(password) })
        .where('id', '=', user.id)
        .execute();
    }
    return { kind: 'ok', user, hasSecondFactor, passwordExpired, viaOneTimePassword, ...(session ? { session: { token: session.token } } : {}) };
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
  const { rows } = await sql<{ attempts: number; locked_until: Date | null }>`${countSql(usernameKey(username), context)}`.execute(db);
  return toCounted(rows[0], context);
}

/**
 * The upsert that counts one attempt and returns the count and any lock. Attempts during
 * a lock do not extend it; after a lock, or a window as long as a lock with no attempt, the
 * count starts again. With `when`, nothing is counted unless it holds.
 */
function countSql(key: string, context: LoginContext, when?: RawBuilder<unknown>) {
  const now = context.clock.now();
  const windowStart = new Date(now.getTime() - context.config.rules.lockoutMinutes * 60_000);
  return sql`insert into login_throttle (username_key, attempts, last_attempt_at, locked_until)
    select ${key}, 1, ${now}, null ${when ? sql`where ${when}` : sql``}
    on conflict (username_key) do update set
      attempts = case
        when login_throttle.locked_until > ${now} then login_throttle.attempts
        when login_throttle.locked_until is not null or login_throttle.last_attempt_at < ${windowStart} then 1
        else login_throttle.attempts + 1 end,
      locked_until = case when login_throttle.locked_until > ${now} then login_throttle.locked_until else null end,
      last_attempt_at = ${now}
    returning attempts, locked_until`;
}

function toCounted(counted: { attempts: number; locked_until: Date | null }, context: LoginContext): CountedAttempt {
  const now = context.clock.now();
  if (counted.locked_until && counted.locked_until > now) return { kind: 'locked', until: counted.locked_until };
  if (counted.attempts > context.config.rules.lockoutMaxFailures + 1) return { kind: 'beyond' };
  return { kind: 'counted', attempts: counted.attempts };
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
