import { recordAudit } from '#server/platform/audit.ts';
import type { MfaGroup } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { attemptFailed, attemptSucceeded, countAttempt, type LoginContext } from '#server/identity/login.ts';
import { deleteRecoveryCodes, hasRecoveryCodes, redeemRecoveryCode, replaceRecoveryCodes, unusedRecoveryCodes } from '#server/identity/recovery-codes.ts';
import { factorAddedMail, factorRemovedMail, factorsRemovedBySupportMail, recoveryCodeUsedMail } from '#server/identity/second-factor-mail.ts';
import { deleteUserSessions, recordSecondFactor } from '#server/identity/session.ts';
import { confirmTotp, deleteTotp, findTotp, type TotpFactorRow, useTotp } from '#server/identity/totp.ts';
import type { User } from '#server/identity/users.ts';

/**
 * The second step after the password, and the rules around a person's login methods: who
 * must have one (MFA_REQUIRED_FOR), what counts, and how one is added, removed and, by the
 * support desk, taken away. Passkeys themselves live in passkeys.ts; this file only counts them.
 */

/** Whether the policy requires a second factor of this user. */
export function mfaRequired(user: Pick<User, 'kind' | 'org_role'>, groups: readonly MfaGroup[]): boolean {
  return groups.includes('all') || (groups.includes('staff') && user.kind === 'staff') || (groups.includes('admins') && user.org_role !== null);
}

export interface FactorOverview {
  /** The confirmed app, if any. */
  totp: TotpFactorRow | undefined;
  passkeys: number;
  recoveryUnused: number;
  /** An app or at least one passkey: the second step is asked for. */
  enrolled: boolean;
}

export async function factorOverview(db: Db | Tx, userId: number): Promise<FactorOverview> {
  const [totp, passkeys, recoveryUnused] = await Promise.all([
    findTotp(db, userId),
    db
      .selectFrom('passkey')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow(),
    unusedRecoveryCodes(db, userId),
  ]);
  const app = totp?.confirmedAt ? totp : undefined;
  const passkeyCount = Number(passkeys.count);
  return { totp: app, passkeys: passkeyCount, recoveryUnused, enrolled: !!app || passkeyCount > 0 };
}

export type Proof = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string };
export type SecondStepResult = { kind: 'ok' } | { kind: 'failed' } | { kind: 'locked'; until: Date };

/**
 * The second step: a code from the app or a recovery code. Counted before it is checked on
 * the username's one counter (login.ts), so wrong codes and wrong passwords lock together;
 * the right one ends the count, marks the session as shown a second factor (amr otp) and
 * is audited. A recovery code is used once and its owner is told by e-mail.
 */
export async function secondStep(db: Db, user: User, sessionId: string, proof: Proof, context: LoginContext): Promise<SecondStepResult> {
  const { clock, config } = context;
  const counted = await countAttempt(db, user.username, context);
  if (counted.kind === 'locked') return counted;
  if (counted.kind === 'beyond') return attemptFailed(db, user.username, Number.POSITIVE_INFINITY, context);

  const now = clock.now();
  const accepted =
    proof.kind === 'totp'
      ? (await useTotp(db, user.id, proof.code, config.secretKey, clock)) === 'ok'
      : await db.transaction().execute(async (trx) => {
          const remaining = await redeemRecoveryCode(trx, user.id, proof.code, clock);
          if (remaining === null) return false;
          await enqueueMail(trx, user.email, recoveryCodeUsedMail(user, now, remaining, config));
          await recordAudit(trx, {
            event: 'mfa.recoveryCodeUsed',
            at: now,
            actorUserId: user.id,
            subjectUserId: user.id,
            organisationId: user.organisation_id,
            client: context.client,
            detail: { remaining },
          });
          return true;
        });
  if (!accepted) {
    await recordAudit(db, {
      event: 'login.secondFactorFailed',
      at: now,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client: context.client,
      detail: { method: proof.kind },
    });
    return attemptFailed(db, user.username, counted.attempts, context);
  }
  await attemptSucceeded(db, user.username);
  await recordSecondFactor(db, sessionId, ['otp'], clock);
  await recordAudit(db, {
    event: 'login.secondFactor',
    at: now,
    actorUserId: user.id,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client: context.client,
    detail: { method: proof.kind },
  });
  return { kind: 'ok' };
}

export type ConfirmResult = { kind: 'ok'; recoveryCodes: string[] } | { kind: 'wrong' } | { kind: 'none' };

/**
 * The new app's first code. It then counts: the session has shown a second factor, the owner
 * is told, and at the first factor ever the ten recovery codes are made (returned to be shown
 * once). All in one transaction.
 */
export async function confirmNewTotp(db: Db, user: User, sessionId: string, code: string, context: LoginContext): Promise<ConfirmResult> {
  const { clock, config } = context;
  return db.transaction().execute(async (trx) => {
    const result = await confirmTotp(trx, user.id, code, config.secretKey, clock);
    if (result !== 'ok') return { kind: result };
    const recoveryCodes = (await hasRecoveryCodes(trx, user.id)) ? [] : await replaceRecoveryCodes(trx, user.id, clock);
    await recordSecondFactor(trx, sessionId, ['otp'], clock);
    await enqueueMail(trx, user.email, factorAddedMail(user, clock.now(), config));
    await recordAudit(trx, {
      event: 'mfa.totpAdded',
      at: clock.now(),
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client: context.client,
    });
    return { kind: 'ok', recoveryCodes };
  });
}

export type RemoveResult = { kind: 'ok' } | { kind: 'required' } | { kind: 'none' };

/**
 * Removes one's own app. A user the policy requires a factor of keeps their last one; when
 * the last factor goes, the recovery codes go with it (they stand in for a factor only).
 */
export async function removeOwnTotp(db: Db, user: User, groups: readonly MfaGroup[], context: LoginContext): Promise<RemoveResult> {
  const { clock, config } = context;
  return db.transaction().execute(async (trx) => {
    // The user's row locked: a passkey removed at the same moment cannot leave both gone.
    await trx.selectFrom('app_user').select('id').where('id', '=', user.id).forUpdate().execute();
    const overview = await factorOverview(trx, user.id);
    if (!overview.totp) return { kind: 'none' };
    if (overview.passkeys === 0 && mfaRequired(user, groups)) return { kind: 'required' };
    await deleteTotp(trx, user.id);
    if (overview.passkeys === 0) await deleteRecoveryCodes(trx, user.id);
    await enqueueMail(trx, user.email, factorRemovedMail(user, clock.now(), config));
    await recordAudit(trx, {
      event: 'mfa.totpRemoved',
      at: clock.now(),
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client: context.client,
    });
    return { kind: 'ok' };
  });
}

/** Ten new recovery codes in place of the old ones; only for a user with a factor. Undefined without one. */
export async function renewRecoveryCodes(db: Db, user: User, context: LoginContext): Promise<string[] | undefined> {
  const { clock } = context;
  return db.transaction().execute(async (trx) => {
    if (!(await factorOverview(trx, user.id)).enrolled) return undefined;
    const codes = await replaceRecoveryCodes(trx, user.id, clock);
    await recordAudit(trx, {
      event: 'mfa.recoveryCodesRenewed',
      at: clock.now(),
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client: context.client,
    });
    return codes;
  });
}

/**
 * The support desk's way out for someone who lost every factor and every recovery code:
 * all of them removed, every session ended, the reason and the handläggare in the audit log,
 * and the owner told by e-mail. One transaction.
 */
export async function removeAllFactors(
  db: Db,
  target: User,
  actor: { userId: number; client: string },
  reason: string,
  context: LoginContext,
): Promise<{ removed: number }> {
  const { clock, config } = context;
  return db.transaction().execute(async (trx) => {
    const app = (await deleteTotp(trx, target.id)) ? 1 : 0;
    const passkeys = Number((await trx.deleteFrom('passkey').where('user_id', '=', target.id).executeTakeFirst()).numDeletedRows);
    const codes = await deleteRecoveryCodes(trx, target.id);
    const sessions = await deleteUserSessions(trx, target.id);
    await enqueueMail(trx, target.email, factorsRemovedBySupportMail(target, clock.now(), config));
    await recordAudit(trx, {
      event: 'mfa.removedBySupport',
      at: clock.now(),
      actorUserId: actor.userId,
      subjectUserId: target.id,
      organisationId: target.organisation_id,
      client: actor.client,
      detail: { reason, app, passkeys, recoveryCodes: codes, sessionsEnded: sessions },
    });
    return { removed: app + passkeys };
  });
}
