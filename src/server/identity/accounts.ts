import { revokeUserGrants } from '#server/oidc/adapter.ts';
import { randomInt } from 'node:crypto';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import { unlockUsername } from '#server/identity/login.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { oneTimePasswordMail } from '#server/mail/templates.ts';
import { issueCode } from '#server/identity/one-time-code.ts';
import { ensureLetter, settleScheduledOneTimePassword } from '#server/identity/letters.ts';
import { deleteUserSessions } from '#server/identity/session.ts';
import { insertUser, type NewUser, type User } from '#server/identity/users.ts';

/** Who did it, for the audit log. */
export interface Actor {
  userId: number | null;
  client?: string;
}

const letter = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .charAt(0) || String.fromCharCode(97 + randomInt(26));

/**
 * A username like `ml4821`: the person's initials and four random digits. Users are
 * never deleted, only inactivated, so a username once given is never given again.
 */
async function generateUsername(trx: Db | Tx, firstName: string, lastName: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const prefix = attempt < 25 ? letter(firstName) + letter(lastName) : letter('') + letter('');
    const candidate = `${prefix}${String(randomInt(10_000)).padStart(4, '0')}`;
    const taken = await trx.selectFrom('app_user').select('id').where('username', '=', candidate).executeTakeFirst();
    if (!taken) return candidate;
  }
  throw new Error('No free username found');
}

export type AccountInput = Omit<NewUser, 'username' | 'passwordHash' | 'passwordChangedAt' | 'termsVersion'> & {
  phone?: string;
  orgRole?: 'fullmaktshavare' | 'admin_org' | null;
};

/**
 * Creates an account as the rules want it, in the caller's transaction: a generated
 * username. A member gets it by letter, and only once they have a role (or an organisation
 * role): the letter is made here when `orgRole` is given, otherwise when roles are given
 * (setRoles); the one-time password follows by e-mail after the letter is printed
 * (letters.ts). Staff have no letter: their one-time password is mailed at once.
 */
export async function createAccount(trx: Tx, input: AccountInput, actor: Actor, config: Config, clock: Clock): Promise<User> {
  const now = clock.now();
  const username = await generateUsername(trx, input.firstName, input.lastName);
  const user = await insertUser(trx, { ...input, username }, now);
  if (input.phone || input.orgRole) {
    await trx
      .updateTable('app_user')
      .set({ phone: input.phone ?? '', org_role: input.orgRole ?? null })
      .where('id', '=', user.id)
      .execute();
  }
  const created = { ...user, phone: input.phone ?? '', org_role: input.orgRole ?? null };
  await recordAudit(trx, {
    event: 'user.created',
    at: now,
    actorUserId: actor.userId,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client: actor.client,
    detail: { username, orgRole: input.orgRole ?? null },
  });
  if (input.organisationId) await ensureLetter(trx, user.id, clock);
  else await sendOneTimePassword(trx, created, actor, config, clock);
  return created;
}

/**
 * Mails a new one-time password (voiding the old one), valid `ONE_TIME_PASSWORD_DAYS` from
 * now. Called by the chore when a printed letter's delay has passed (`letter` names it), and
 * at once for staff and for an administrator's deliberate new password, which then stands
 * in for any that a letter still has scheduled.
 */
export async function sendOneTimePassword(trx: Tx, user: User, actor: Actor, config: Config, clock: Clock, scheduled?: { letter: number }): Promise<void> {
  const { code, expiresAt } = await issueCode(trx, user.id, 'first_login', config.rules.oneTimePasswordDays * 24 * 60 * 60_000, clock);
  await enqueueMail(trx, user.email, oneTimePasswordMail(user, code, expiresAt, config));
  if (!scheduled) await settleScheduledOneTimePassword(trx, user.id, clock);
  await recordAudit(trx, {
    event: 'code.issued',
    at: clock.now(),
    actorUserId: actor.userId,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client: actor.client,
    detail: scheduled ? { kind: 'one-time password', letter: scheduled.letter } : { kind: 'one-time password' },
  });
}

/** Inactivates or reactivates a user; an inactivated user's sessions end at once. */
export async function setUserActive(trx: Tx, user: User, active: boolean, actor: Actor, clock: Clock): Promise<void> {
  await trx
    .updateTable('app_user')
    .set({ status: active ? 'active' : 'inactive' })
    .where('id', '=', user.id)
    .execute();
  const ended = active ? 0 : await deleteUserSessions(trx, user.id);
  if (!active) await revokeUserGrants(trx, user.id);
  await recordAudit(trx, {
    event: active ? 'user.reactivated' : 'user.inactivated',
    at: clock.now(),
    actorUserId: actor.userId,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client: actor.client,
    detail: { sessionsEnded: ended },
  });
}

/** Lifts a lock on the user's username at once (support desk). */
export async function unlockUser(db: Db, user: User, actor: Actor, clock: Clock): Promise<boolean> {
  const lifted = await unlockUsername(db, user.username);
  await recordAudit(db, {
    event: 'login.unlocked',
    at: clock.now(),
    actorUserId: actor.userId,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client: actor.client,
    detail: { by: 'support' },
  });
  return lifted;
}
