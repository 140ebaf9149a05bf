import type { MessageKey } from '#web/i18n.ts';

/**
 * Who may do what in Organisation & användare: one table, used by every page (to offer
 * only what is allowed) and every action (to refuse the rest, saying why).
 */
export const UNIT_ADMIN_ROLE = 'ADMIN_ENHET';
export type OrgRole = 'fullmaktshavare' | 'admin_org';

export interface AdminActor {
  userId: number;
  organisationId: number | null;
  orgRole: OrgRole | null;
  /** Units where the actor is administratör enhet. */
  adminUnits: ReadonlySet<number>;
}

export interface TargetUser {
  id: number;
  organisationId: number | null;
  orgRole: OrgRole | null;
  /** Units where the target holds any role. */
  units: ReadonlySet<number>;
}

export type AdminAction =
  | { kind: 'organisation.view'; organisationId: number }
  | { kind: 'organisation.edit'; organisationId: number }
  | { kind: 'unit.add'; organisationId: number }
  | { kind: 'unit.edit'; organisationId: number; unitId: number; isMain: boolean; inactivate?: boolean }
  | { kind: 'user.add'; organisationId: number; unitIds: number[] }
  | { kind: 'user.manage'; target: TargetUser; inactivate?: boolean; activeHolders?: number }
  | { kind: 'role.change'; target: TargetUser; organisationId: number; unitId: number; role: string; approvedRoles: ReadonlySet<string> }
  | { kind: 'orgRole.change'; target: TargetUser; organisationId: number; role: 'admin_org' }
  | { kind: 'log.read'; organisationId: number };

export type Decision = { allowed: true } | { allowed: false; reason: MessageKey };

const allow: Decision = { allowed: true };
const deny = (reason: MessageKey): Decision => ({ allowed: false, reason });

const isOrgAdmin = (actor: AdminActor) => actor.orgRole !== null;
const isUnitAdmin = (actor: AdminActor) => actor.adminUnits.size > 0;
const subset = (units: Iterable<number>, of: ReadonlySet<number>) => [...units].every((unit) => of.has(unit));

function organisationOf(action: AdminAction): number | null {
  return 'organisationId' in action ? action.organisationId : action.target.organisationId;
}

/** The decision for one actor and one action. */
export function decide(actor: AdminActor, action: AdminAction): Decision {
  if (actor.organisationId === null || organisationOf(action) !== actor.organisationId) return deny('admin.denied.otherOrganisation');
  if (!isOrgAdmin(actor) && !isUnitAdmin(actor)) return deny('admin.denied.notAdmin');

  switch (action.kind) {
    case 'organisation.view':
    case 'log.read':
      return allow;
    case 'organisation.edit':
    case 'unit.add':
      return isOrgAdmin(actor) ? allow : deny('admin.denied.orgAdminOnly');
    case 'unit.edit':
      if (!isOrgAdmin(actor)) return deny('admin.denied.orgAdminOnly');
      return action.inactivate && action.isMain ? deny('admin.denied.mainUnit') : allow;
    case 'user.add':
      if (isOrgAdmin(actor)) return allow;
      return action.unitIds.length > 0 && subset(action.unitIds, actor.adminUnits) ? allow : deny('admin.denied.ownUnitsOnly');
    case 'user.manage': {
      const { target } = action;
      if (target.id === actor.userId && action.inactivate) return deny('admin.denied.self');
      if (action.inactivate && target.orgRole === 'fullmaktshavare' && (action.activeHolders ?? 1) <= 1) return deny('admin.denied.lastHolder');
      if (isOrgAdmin(actor)) return allow;
      if (target.orgRole) return deny('admin.denied.orgAdminTarget');
      return target.units.size > 0 && subset(target.units, actor.adminUnits) ? allow : deny('admin.denied.ownUnitsOnly');
    }
    case 'role.change': {
      if (action.target.id === actor.userId) return deny('admin.denied.self');
      if (action.role !== UNIT_ADMIN_ROLE && !action.approvedRoles.has(action.role)) return deny('admin.denied.areaNotApproved');
      if (isOrgAdmin(actor)) return allow;
      if (action.target.orgRole) return deny('admin.denied.orgAdminTarget');
      return actor.adminUnits.has(action.unitId) ? allow : deny('admin.denied.ownUnitsOnly');
    }
    case 'orgRole.change':
      if (action.target.id === actor.userId) return deny('admin.denied.self');
      return actor.orgRole === 'fullmaktshavare' ? allow : deny('admin.denied.holderOnly');
  }
}
