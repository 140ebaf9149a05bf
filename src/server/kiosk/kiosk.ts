import { createHash } from 'node:crypto';
import { recordAudit } from '#server/platform/audit.ts';
import type { Db } from '#server/platform/database.ts';
import { consumeTicket, createTicket, type Ticket } from '#server/kiosk/ticket.ts';
import { attemptLogin, unlockUsername, type LoginContext } from '#server/identity/login.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { passwordChangedMail, resetCodeMail } from '#server/mail/templates.ts';
import { issueCode, matchesExpiredCode, redeemCode, voidCodes, type CodeCheck } from '#server/identity/one-time-code.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword, type PasswordProblem } from '#server/identity/password.ts';
import { hitLimit } from '#server/platform/rate-limit.ts';
import { deleteUserSessions } from '#server/identity/session.ts';
import { findUserById, findUserByUsername, normalizeUsername, organisationName, type User } from '#server/identity/users.ts';

/** Codes a user may order per hour: more would let anyone fill a mailbox. */
const RESET_REQUESTS_PER_HOUR = 5;

export type StartChangeResult = { kind: 'ok'; ticket: string } | { kind: 'failed' } | { kind: 'oneTimePasswordExpired' } | { kind: 'locked'; until: Date };

/**
 * "Byt lösenord", first step: the username with the current password or the one-time
 * password. Counted and locked exactly like a login.
 */
export async function startChange(db: Db, username: string, secret: string, context: LoginContext): Promise<StartChangeResult> {
  const outcome = await attemptLogin(db, username, secret, context, { acceptOneTimePassword: true });
  if (outcome.kind !== 'ok') return outcome;
  const reason = outcome.viaOneTimePassword ? 'first_login' : 'change';
  return { kind: 'ok', ticket: await createTicket(db, 'new_password', outcome.user.id, reason, context.clock) };
}

/**
 * "Glömt lösenord", first step. The same answer whether or not the username exists: a
 * ticket for the code step is made either way, and a code is mailed only to a real,
 * active account that has not asked too often. Never locks; works while locked.
 */
export async function requestReset(db: Db, username: string, context: LoginContext): Promise<{ ticket: string }> {
  const { clock, config } = context;
  const user = await findUserByUsername(db, username);
  const limit = await hitLimit(
    db,
    {
      bucket: 'reset-request',
      key: createHash('sha256').update(normalizeUsername(username)).digest('base64url'),
      max: RESET_REQUESTS_PER_HOUR,
      windowMs: 60 * 60_000,
    },
    clock,
  );
  if (user && user.status === 'active' && limit.allowed) {
    await db.transaction().execute(async (trx) => {
      const { code, expiresAt } = await issueCode(trx, user.id, 'reset', config.rules.resetCodeMinutes * 60_000, clock);
      await enqueueMail(trx, user.email, resetCodeMail(user, code, expiresAt, config));
      await recordAudit(trx, { event: 'code.issued', at: clock.now(), subjectUserId: user.id, organisationId: user.organisation_id, client: context.client });
    });
  }
  return { ticket: await createTicket(db, 'code', user?.id ?? null, 'reset', clock) };
}

export type EnterCodeResult = { kind: 'ok'; ticket: string } | { kind: 'wrong' } | { kind: 'void' } | { kind: 'expired' };

/** Tries at the code per username and hour when no ticket says who asked: twice a code's own five. */
const CODE_TRIES_PER_USERNAME_HOUR = 10;

/**
 * "Glömt lösenord", second step in another browser than the one that asked (the e-mail read
 * on the phone): the username and the code. The code is bound to the account, so this is as
 * good as the ticket. An unknown username, a known one without a live code and a wrong code
 * all answer "wrong", so nothing tells accounts apart (the account's own code typed after it
 * ran out answers "expired"); after ten tries an hour per username
 * every answer is "void" (the code's own five wrong tries still void it).
 */
export async function enterCodeForUsername(db: Db, username: string, code: string, context: LoginContext): Promise<EnterCodeResult> {
  const { clock } = context;
  const tries = await hitLimit(
    db,
    {
      bucket: 'code-try-username',
      key: createHash('sha256').update(normalizeUsername(username)).digest('base64url'),
      max: CODE_TRIES_PER_USERNAME_HOUR,
      windowMs: 60 * 60_000,
    },
    clock,
  );
  if (!tries.allowed) return { kind: 'void' };
  const user = await findUserByUsername(db, username);
  if (user?.status !== 'active') return { kind: 'wrong' };
  if ((await redeemCode(db, user.id, 'reset', code, clock)) !== 'ok') {
    // Only whoever typed the account's own code, run out, is told it ran out: it proves receipt.
    return (await matchesExpiredCode(db, user.id, 'reset', code, clock)) ? { kind: 'expired' } : { kind: 'wrong' };
  }
  await recordAudit(db, { event: 'code.used', at: clock.now(), subjectUserId: user.id, organisationId: user.organisation_id, client: context.client });
  return { kind: 'ok', ticket: await createTicket(db, 'new_password', user.id, 'reset', clock) };
}

/** "Glömt lösenord", second step: the code from the e-mail, single use, void after five wrong tries. */
export async function enterCode(db: Db, ticket: Ticket, code: string, context: LoginContext): Promise<EnterCodeResult> {
  const { clock } = context;
  // A ticket for an unknown username gets the same answers, counted the same way.
  const tries = await hitLimit(db, { bucket: 'code-try', key: ticket.id, max: 5, windowMs: 24 * 60 * 60_000 }, clock);
  let check: CodeCheck = tries.allowed ? 'wrong' : 'void';
  if (ticket.user_id && tries.allowed) check = await redeemCode(db, ticket.user_id, 'reset', code, clock);
  if (check !== 'ok') return { kind: check };
  if (!(await consumeTicket(db, ticket.id, clock))) return { kind: 'void' };
  await recordAudit(db, { event: 'code.used', at: clock.now(), subjectUserId: ticket.user_id, client: context.client });
  return { kind: 'ok', ticket: await createTicket(db, 'new_password', ticket.user_id, 'reset', clock) };
}

export type NewPasswordResult = { kind: 'ok'; sessionsEnded: number } | { kind: 'invalid'; problem: PasswordProblem } | { kind: 'expired' };

/** The password rules for this user: their names, username and organisation are words an attacker tries first. */
async function policyProblem(db: Db, user: User, password: string, confirmation: string, config: LoginContext['config']): Promise<PasswordProblem | undefined> {
  return (
    (await checkPasswordPolicy(password, {
      minLength: config.rules.passwordMinLength,
      username: user.username,
      organisationName: await organisationName(db, user),
      names: [user.first_name, user.last_name],
    })) ??
    (password !== confirmation ? 'mismatch' : undefined) ??
    (user.password_hash && (await verifyPassword(user.password_hash, password)) ? 'sameAsCurrent' : undefined)
  );
}

/**
 * The last step of every way through the kiosk: the new password, twice. Saves it, ends
 * every session, voids the codes, lifts a lock and mails the owner, in one transaction.
 * No automatic login: the user logs in with the new password.
 */
export async function setNewPassword(db: Db, ticket: Ticket, password: string, confirmation: string, context: LoginContext): Promise<NewPasswordResult> {
  const { clock, config } = context;
  const user = ticket.user_id ? await findUserById(db, ticket.user_id) : undefined;
  if (user?.status !== 'active') return { kind: 'expired' };
  const problem = await policyProblem(db, user, password, confirmation, config);
  if (problem) return { kind: 'invalid', problem };

  const passwordHash = await hashPassword(password);
  const now = clock.now();
  const saved = await db.transaction().execute(async (trx) => {
    if (!(await consumeTicket(trx, ticket.id, clock))) return undefined;
    await trx
      .updateTable('app_user')
      .set({ password_hash: passwordHash, password_changed_at: now, expiry_notice_days: null })
      .where('id', '=', user.id)
      .execute();
    await voidCodes(trx, user.id, clock);
    const ended = await deleteUserSessions(trx, user.id);
    await enqueueMail(trx, user.email, passwordChangedMail(user, now, config));
    await recordAudit(trx, {
      event: ticket.reason === 'reset' ? 'password.reset' : 'password.changed',
      at: now,
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client: context.client,
      detail: { reason: ticket.reason, sessionsEnded: ended },
    });
    return { ended };
  });
  if (!saved) return { kind: 'expired' };
  if (await unlockUsername(db, user.username)) {
    await recordAudit(db, { event: 'login.unlocked', at: now, subjectUserId: user.id, organisationId: user.organisation_id, client: context.client });
  }
  return { kind: 'ok', sessionsEnded: saved.ended };
}

export type ChangeOwnResult = NewPasswordResult | { kind: 'failed' } | { kind: 'locked'; until: Date };

/**
 * "Byt lösenord" for a signed-in user: the current password, checked, counted and locked
 * like a login (as the kiosk's first step), then the new one twice. Saves it, voids codes,
 * mails the owner and ends every other session of the user as the kiosk ends them all;
 * the session in use goes on.
 */
export async function changeOwnPassword(
  db: Db,
  signedIn: { userId: number; sessionId: string },
  current: string,
  password: string,
  confirmation: string,
  context: LoginContext,
): Promise<ChangeOwnResult> {
  const { clock, config } = context;
  const self = await findUserById(db, signedIn.userId);
  if (self?.status !== 'active') return { kind: 'expired' };
  const outcome = await attemptLogin(db, self.username, current, context);
  if (outcome.kind === 'locked') return outcome;
  if (outcome.kind !== 'ok') return { kind: 'failed' };
  const user = outcome.user;
  const problem = await policyProblem(db, user, password, confirmation, config);
  if (problem) return { kind: 'invalid', problem };
  const passwordHash = await hashPassword(password);
  const now = clock.now();
  const ended = await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('app_user')
      .set({ password_hash: passwordHash, password_changed_at: now, expiry_notice_days: null })
      .where('id', '=', user.id)
      .execute();
    await voidCodes(trx, user.id, clock);
    const count = await deleteUserSessions(trx, user.id, signedIn.sessionId);
    await enqueueMail(trx, user.email, passwordChangedMail(user, now, config));
    await recordAudit(trx, {
      event: 'password.changed',
      at: now,
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client: context.client,
      detail: { reason: 'change', sessionsEnded: count },
    });
    return count;
  });
  return { kind: 'ok', sessionsEnded: ended };
}
