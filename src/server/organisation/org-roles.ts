import { setUserActive, type Actor } from '#server/identity/accounts.ts';
import { ensureLetter } from '#server/identity/letters.ts';
import type { User } from '#server/identity/users.ts';
import { setRoles } from '#server/organisation/admin.ts';
import type { TargetUser } from '#server/organisation/policy.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';

/**
 * The organisation roles (fullmaktshavare, administratör organisation): an organisation has
 * at most one active holder of each, kept by a unique index (`app_user_one_org_role`); these
 * commands check first so that the refusal names the rule instead of failing on the index.
 */

type Target = TargetUser & { user: User };
export type OrgRoleConflict = 'oneOrgAdmin' | 'oneHolder';

class Refused extends Error {
  readonly reason: OrgRoleConflict;
  constructor(reason: OrgRoleConflict) {
    super(reason);
    this.reason = reason;
  }
}

export async function countActiveHolders(db: Db | Tx, organisationId: number): Promise<number> {
  const row = await db
    .selectFrom('app_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('org_role', '=', 'fullmaktshavare')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Saves a user's unit roles and, when `orgAdmin` is given, makes them administratör
 * organisation or not, in one transaction: a second administratör rolls back everything.
 */
export async function saveRoles(
  db: Db,
  target: Target,
  wanted: Set<string>,
  changeable: Set<string>,
  orgAdmin: boolean | undefined,
  actor: Actor,
  clock: Clock,
): Promise<'saved' | OrgRoleConflict> {
  const organisationId = target.organisationId!;
  return db
    .transaction()
    .execute(async (trx) => {
      await setRoles(trx, target.user, wanted, changeable, actor, clock);
      if (orgAdmin === undefined) return 'saved' as const;
      if (orgAdmin) {
        const existing = await trx
          .selectFrom('app_user')
          .select('id')
          .where('organisation_id', '=', organisationId)
          .where('org_role', '=', 'admin_org')
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (existing) throw new Refused('oneOrgAdmin');
      }
      await trx
        .updateTable('app_user')
        .set({ org_role: orgAdmin ? 'admin_org' : null })
        .where('id', '=', target.id)
        .execute();
      await recordAudit(trx, {
        event: 'orgRole.changed',
        at: clock.now(),
        actorUserId: actor.userId,
        subjectUserId: target.id,
        organisationId,
        client: actor.client,
        detail: { before: target.orgRole ?? '', after: orgAdmin ? 'admin_org' : '' },
      });
      if (orgAdmin) await ensureLetter(trx, target.id, clock);
      return 'saved' as const;
    })
    .catch((error: unknown) => {
      if (error instanceof Refused) return error.reason;
      // Two appointments at once: the index decides, the answer is the same.
      if ((error as { constraint?: string }).constraint === 'app_user_one_org_role') return 'oneOrgAdmin' as const;
      throw error;
    });
}

/**
 * Inactivates or reactivates a user. Reactivating a former holder of an organisation role
 * while another holds it is refused, saying which role.
 */
export async function setActive(db: Db, target: Target, active: boolean, actor: Actor, clock: Clock): Promise<'done' | OrgRoleConflict> {
  const taken: OrgRoleConflict = target.orgRole === 'admin_org' ? 'oneOrgAdmin' : 'oneHolder';
  const reactivating = active && target.user.status !== 'active';
  return db
    .transaction()
    .execute(async (trx) => {
      if (reactivating && target.orgRole) {
        const other = await trx
          .selectFrom('app_user')
          .select('id')
          .where('organisation_id', '=', target.organisationId)
          .where('org_role', '=', target.orgRole)
          .where('status', '=', 'active')
          .where('id', '!=', target.id)
          .executeTakeFirst();
        if (other) throw new Refused(taken);
      }
      await setUserActive(trx, target.user, active, actor, clock);
      return 'done' as const;
    })
    .catch((error: unknown) => {
      if (error instanceof Refused) return error.reason;
      // Two reactivations at once: the index decides, the answer is the same.
      if ((error as { constraint?: string }).constraint === 'app_user_one_org_role') return taken;
      throw error;
    });
}
