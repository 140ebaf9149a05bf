/**
 * Who may do what in Organisation & användare: one table of (actor role × action) → rule,
 * used by every page (to offer only what is allowed) and every action (to refuse the rest,
 * saying why). A refusal is a message key; the web layer turns it into Swedish.
 */
export const UNIT_ADMIN_ROLE = 'ADMIN_ENHET';
export type OrgRole = 'fullmaktshavare' | 'admin_org';

export interface AdminActor {
  userId: number;
  organisationId: number | null;
  orgRole: OrgRole | null;
  /** Units where the actor is administratör enhet. */
  adminUnits: ReadonlySet<number>;
  /**
   * The authority administers the organisation's users (they order access on paper): only
   * staff change them; the organisation's own administrators see them.
   */
  administered?: boolean;
  /** A handläggare acting for the authority on `organisationId`. */
  staff?: boolean;
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
  /** Proposing to move a unit to another organisation. */
  | { kind: 'unit.move'; organisationId: number; unitId: number; isMain: boolean }
  /** Taking in a unit another organisation proposed to move here. */
  | { kind: 'unit.transfer'; organisationId: number }
  | { kind: 'unit.merge'; organisationId: number; unitId: number; isMain: boolean }
  | { kind: 'unit.split'; organisationId: number; unitId: number }
  | { kind: 'user.add'; organisationId: number; unitIds: number[] }
  /** Seeing a user's page: who may change them may see them, and so may an administered organisation's administrators. */
  | { kind: 'user.view'; target: TargetUser }
  /**
   * Opening a user's page and saving their roles; `inactivate` and `oneTimePassword` are the
   * account's own steps, which nobody takes for themselves.
   */
  | { kind: 'user.manage'; target: TargetUser; inactivate?: boolean; oneTimePassword?: boolean; activeHolders?: number }
  | { kind: 'role.change'; target: TargetUser; organisationId: number; unitId: number; role: string; approvedRoles: ReadonlySet<string> }
  | { kind: 'orgRole.change'; target: TargetUser; organisationId: number; role: 'admin_org' }
  | { kind: 'log.read'; organisationId: number };

export type AdminActionKind = AdminAction['kind'];

export type DenialReason =
  | 'admin.denied.otherOrganisation'
  | 'admin.denied.notAdmin'
  | 'admin.denied.orgAdminOnly'
  | 'admin.denied.holderOnly'
  | 'admin.denied.mainUnit'
  | 'admin.denied.ownUnitsOnly'
  | 'admin.denied.orgAdminTarget'
  | 'admin.denied.self'
  | 'admin.denied.selfAccount'
  | 'admin.denied.lastHolder'
  | 'admin.denied.areaNotApproved'
  | 'admin.denied.administered'
  | 'admin.denied.notAdministered'
  | 'admin.denied.staffUsersOnly';

export type Decision = { allowed: true } | { allowed: false; reason: DenialReason };

/** The actor's role as the table's columns see it. */
export type ActorRole = 'fullmaktshavare' | 'admin_org' | 'admin_enhet' | 'none' | 'staff';

type Rule<K extends AdminActionKind> = (actor: AdminActor, action: Extract<AdminAction, { kind: K }>) => Decision;

const allow: Decision = { allowed: true };
const deny = (reason: DenialReason): Decision => ({ allowed: false, reason });
// A rule that ignores the action fits every row of the table.
const allowed = (): Decision => allow;
const refused = (reason: DenialReason) => (): Decision => deny(reason);
const subset = (units: Iterable<number>, of: ReadonlySet<number>) => [...units].every((unit) => of.has(unit));

// Rules shared by several cells of the table.
// The main unit is never inactivated, moved away or merged into another.
const notMainUnit = (_actor: AdminActor, action: { isMain: boolean }): Decision => (action.isMain ? deny('admin.denied.mainUnit') : allow);
const keepMainUnitActive: Rule<'unit.edit'> = (actor, action) => (action.inactivate ? notMainUnit(actor, action) : allow);
const manageAny: Rule<'user.manage'> = (actor, { target, inactivate, oneTimePassword, activeHolders }) => {
  // Inactivating oneself would lock the organisation's administrator out; a password of one's own is changed under Ditt konto.
  if (target.id === actor.userId && (inactivate || oneTimePassword)) return deny('admin.denied.selfAccount');
  if (inactivate && target.orgRole === 'fullmaktshavare' && (activeHolders ?? 1) <= 1) return deny('admin.denied.lastHolder');
  return allow;
};
const manageInOwnUnits: Rule<'user.manage'> = (actor, action) => {
  const first = manageAny(actor, action);
  if (!first.allowed) return first;
  if (action.target.orgRole) return deny('admin.denied.orgAdminTarget');
  return action.target.units.size > 0 && subset(action.target.units, actor.adminUnits) ? allow : deny('admin.denied.ownUnitsOnly');
};
const approvedRole = (action: { role: string; approvedRoles: ReadonlySet<string> }): Decision =>
  action.role !== UNIT_ADMIN_ROLE && !action.approvedRoles.has(action.role) ? deny('admin.denied.areaNotApproved') : allow;
/**
 * The organisation's administrators give and take area roles for everyone, themselves
 * included (the service description's "inklusive sig själv"); an administrator right
 * (administratör enhet) is never changed by its holder.
 */
const roleAny: Rule<'role.change'> = (actor, action) => {
  if (action.target.id === actor.userId && action.role === UNIT_ADMIN_ROLE) return deny('admin.denied.self');
  return approvedRole(action);
};
// A unit admin changes nothing of their own: their rights are given by the organisation's administrators.
const roleInOwnUnits: Rule<'role.change'> = (actor, action) => {
  if (action.target.id === actor.userId) return deny('admin.denied.self');
  const first = approvedRole(action);
  if (!first.allowed) return first;
  if (action.target.orgRole) return deny('admin.denied.orgAdminTarget');
  return actor.adminUnits.has(action.unitId) ? allow : deny('admin.denied.ownUnitsOnly');
};
const appoint: Rule<'orgRole.change'> = (actor, action) => (action.target.id === actor.userId ? deny('admin.denied.self') : allow);
const appointNot: Rule<'orgRole.change'> = (actor, action) => (action.target.id === actor.userId ? deny('admin.denied.self') : deny('admin.denied.holderOnly'));
const addInOwnUnits: Rule<'user.add'> = (actor, action) =>
  action.unitIds.length > 0 && subset(action.unitIds, actor.adminUnits) ? allow : deny('admin.denied.ownUnitsOnly');

// Staff change the users of an organisation the authority administers, and nothing else of it.
const ifAdministered =
  <K extends AdminActionKind>(rule: Rule<K>): Rule<K> =>
  (actor, action) =>
    actor.administered ? rule(actor, action) : deny('admin.denied.notAdministered');

const orgAdmins = <K extends AdminActionKind>(rule: Rule<K>): Record<ActorRole, Rule<K>> => ({
  fullmaktshavare: rule,
  admin_org: rule,
  admin_enhet: refused('admin.denied.orgAdminOnly'),
  none: refused('admin.denied.notAdmin'),
  staff: refused('admin.denied.staffUsersOnly'),
});

/** The table: for each action, what each kind of actor may do. */
export const POLICY: { [K in AdminActionKind]: Record<ActorRole, Rule<K>> } = {
  'organisation.view': { fullmaktshavare: allowed, admin_org: allowed, admin_enhet: allowed, none: refused('admin.denied.notAdmin'), staff: allowed },
  'log.read': { fullmaktshavare: allowed, admin_org: allowed, admin_enhet: allowed, none: refused('admin.denied.notAdmin'), staff: allowed },
  'organisation.edit': orgAdmins(allowed),
  'unit.add': orgAdmins(allowed),
  'unit.edit': orgAdmins(keepMainUnitActive),
  'unit.move': orgAdmins(notMainUnit),
  'unit.transfer': orgAdmins(allowed),
  'unit.merge': orgAdmins(notMainUnit),
  'unit.split': orgAdmins(allowed),
  'user.add': {
    fullmaktshavare: allowed,
    admin_org: allowed,
    admin_enhet: addInOwnUnits,
    none: refused('admin.denied.notAdmin'),
    staff: ifAdministered(allowed),
  },
  'user.view': {
    fullmaktshavare: allowed,
    admin_org: allowed,
    admin_enhet: (actor, { target }) => manageInOwnUnits(actor, { kind: 'user.manage', target }),
    none: refused('admin.denied.notAdmin'),
    staff: allowed,
  },
  'user.manage': {
    fullmaktshavare: manageAny,
    admin_org: manageAny,
    admin_enhet: manageInOwnUnits,
    none: refused('admin.denied.notAdmin'),
    staff: ifAdministered(manageAny),
  },
  'role.change': {
    fullmaktshavare: roleAny,
    admin_org: roleAny,
    admin_enhet: roleInOwnUnits,
    none: refused('admin.denied.notAdmin'),
    staff: ifAdministered(roleAny),
  },
  // The organisation roles follow the fullmakt, never a paper order.
  'orgRole.change': {
    fullmaktshavare: appoint,
    admin_org: appointNot,
    admin_enhet: appointNot,
    none: refused('admin.denied.notAdmin'),
    staff: refused('admin.denied.holderOnly'),
  },
};

/** What changes users: in an organisation the authority administers, staff do it, its own administrators do not. */
const CHANGES_USERS: ReadonlySet<AdminActionKind> = new Set(['user.add', 'user.manage', 'role.change', 'orgRole.change']);

export function actorRole(actor: AdminActor): ActorRole {
  if (actor.staff) return 'staff';
  if (actor.orgRole) return actor.orgRole;
  return actor.adminUnits.size > 0 ? 'admin_enhet' : 'none';
}

function organisationOf(action: AdminAction): number | null {
  return 'organisationId' in action ? action.organisationId : action.target.organisationId;
}

/** The decision for one actor and one action: nobody acts outside their own organisation. */
export function decide(actor: AdminActor, action: AdminAction): Decision {
  if (actor.organisationId === null || organisationOf(action) !== actor.organisationId) return deny('admin.denied.otherOrganisation');
  if (actor.administered && !actor.staff && CHANGES_USERS.has(action.kind)) return deny('admin.denied.administered');
  const rule = POLICY[action.kind][actorRole(actor)] as Rule<AdminActionKind>;
  return rule(actor, action);
}
