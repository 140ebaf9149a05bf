import type { Actor } from '#server/identity/accounts.ts';
import type { User } from '#server/identity/users.ts';
import type { AdminActor } from '#server/organisation/policy.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';

/**
 * Organisations administered by the authority: they order access on paper ("Beställning av
 * behörighet") and a handläggare creates, changes and ends their users with the same
 * functions and the same policy table as an organisation's own administrators (admin.ts,
 * policy.ts), as a staff actor. The organisation's own administrators then only see them.
 */

/** The handläggare as the policy sees them when they act on `organisationId`'s users. */
export async function staffActor(db: Db | Tx, staff: Pick<User, 'id'>, organisationId: number): Promise<AdminActor> {
  const organisation = await db.selectFrom('organisation').select('administered_by_authority').where('id', '=', organisationId).executeTakeFirst();
  return {
    userId: staff.id,
    organisationId,
    orgRole: null,
    adminUnits: new Set(),
    staff: true,
    administered: organisation?.administered_by_authority ?? false,
  };
}

/** Turns the setting on or off; audited with the handläggare. False when it already was so. */
export async function setAdministered(trx: Tx, organisationId: number, administered: boolean, actor: Actor, clock: Clock): Promise<boolean> {
  const changed = await trx
    .updateTable('organisation')
    .set({ administered_by_authority: administered })
    .where('id', '=', organisationId)
    .where('administered_by_authority', '!=', administered)
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) === 0) return false;
  await recordAudit(trx, {
    event: 'organisation.administered',
    at: clock.now(),
    actorUserId: actor.userId,
    organisationId,
    client: actor.client,
    detail: { administered },
  });
  return true;
}

/** A new e-mail address for the user (their one-time passwords and notices go there); audited with before and after. */
export async function changeEmail(trx: Tx, user: User, email: string, actor: Actor, clock: Clock): Promise<boolean> {
  if (user.email === email) return false;
  await trx.updateTable('app_user').set({ email }).where('id', '=', user.id).execute();
  await recordAudit(trx, {
    event: 'user.emailChanged',
    at: clock.now(),
    actorUserId: actor.userId,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client: actor.client,
    detail: { before: user.email, after: email },
  });
  return true;
}
