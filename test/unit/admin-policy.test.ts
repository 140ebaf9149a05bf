import { describe, expect, it } from 'vitest';
import { decide, POLICY, UNIT_ADMIN_ROLE, type AdminActor, type AdminAction, type TargetUser } from '#server/organisation/policy.ts';

const ORG = 1;
const OTHER_ORG = 2;
const UNIT_A = 10;
const UNIT_B = 11;
const approved = new Set(['YH_ANSOKAN']);

const actors: Record<string, AdminActor> = {
  holder: { userId: 1, organisationId: ORG, orgRole: 'fullmaktshavare', adminUnits: new Set() },
  orgAdmin: { userId: 2, organisationId: ORG, orgRole: 'admin_org', adminUnits: new Set() },
  unitAdminA: { userId: 3, organisationId: ORG, orgRole: null, adminUnits: new Set([UNIT_A]) },
  reporter: { userId: 4, organisationId: ORG, orgRole: null, adminUnits: new Set() },
  staff: { userId: 5, organisationId: null, orgRole: null, adminUnits: new Set() },
};
const reporterInA: TargetUser = { id: 20, organisationId: ORG, orgRole: null, units: new Set([UNIT_A]) };
const reporterInB: TargetUser = { id: 21, organisationId: ORG, orgRole: null, units: new Set([UNIT_B]) };
const foreigner: TargetUser = { id: 22, organisationId: OTHER_ORG, orgRole: null, units: new Set([99]) };

const actions: Record<string, AdminAction> = {
  'edit organisation': { kind: 'organisation.edit', organisationId: ORG },
  'add unit': { kind: 'unit.add', organisationId: ORG },
  'add user in A': { kind: 'user.add', organisationId: ORG, unitIds: [UNIT_A] },
  'add user in B': { kind: 'user.add', organisationId: ORG, unitIds: [UNIT_B] },
  'inactivate user in A': { kind: 'user.manage', target: reporterInA, inactivate: true },
  'inactivate user in B': { kind: 'user.manage', target: reporterInB, inactivate: true },
  'give role in A': { kind: 'role.change', target: reporterInA, organisationId: ORG, unitId: UNIT_A, role: 'YH_ANSOKAN', approvedRoles: approved },
  'give unit admin in A': { kind: 'role.change', target: reporterInA, organisationId: ORG, unitId: UNIT_A, role: UNIT_ADMIN_ROLE, approvedRoles: approved },
  'give role in B': { kind: 'role.change', target: reporterInB, organisationId: ORG, unitId: UNIT_B, role: 'YH_ANSOKAN', approvedRoles: approved },
  'give unapproved role': { kind: 'role.change', target: reporterInA, organisationId: ORG, unitId: UNIT_A, role: 'KK_ANSOKAN', approvedRoles: approved },
  'appoint org admin': { kind: 'orgRole.change', target: reporterInA, organisationId: ORG, role: 'admin_org' },
  'touch other organisation': { kind: 'user.manage', target: foreigner },
  'read log': { kind: 'log.read', organisationId: ORG },
  'move unit A away': { kind: 'unit.move', organisationId: ORG, unitId: UNIT_A, isMain: false },
  'take in a moved unit': { kind: 'unit.transfer', organisationId: ORG },
  'merge unit A': { kind: 'unit.merge', organisationId: ORG, unitId: UNIT_A, isMain: false },
  'split unit A': { kind: 'unit.split', organisationId: ORG, unitId: UNIT_A },
};

// Y = allowed; otherwise the reason given.
const expected: Record<string, Record<string, string>> = {
  'edit organisation': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'orgAdminOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'add unit': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'orgAdminOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'add user in A': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'Y', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'add user in B': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'ownUnitsOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'inactivate user in A': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'Y', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'inactivate user in B': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'ownUnitsOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'give role in A': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'Y', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'give unit admin in A': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'Y', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'give role in B': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'ownUnitsOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'give unapproved role': {
    holder: 'areaNotApproved',
    orgAdmin: 'areaNotApproved',
    unitAdminA: 'areaNotApproved',
    reporter: 'notAdmin',
    staff: 'otherOrganisation',
  },
  'appoint org admin': { holder: 'Y', orgAdmin: 'holderOnly', unitAdminA: 'holderOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'touch other organisation': {
    holder: 'otherOrganisation',
    orgAdmin: 'otherOrganisation',
    unitAdminA: 'otherOrganisation',
    reporter: 'otherOrganisation',
    staff: 'otherOrganisation',
  },
  'read log': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'Y', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'move unit A away': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'orgAdminOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'take in a moved unit': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'orgAdminOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'merge unit A': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'orgAdminOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
  'split unit A': { holder: 'Y', orgAdmin: 'Y', unitAdminA: 'orgAdminOnly', reporter: 'notAdmin', staff: 'otherOrganisation' },
};

describe('the administration policy', () => {
  const cases = Object.entries(expected).flatMap(([action, row]) => Object.entries(row).map(([actor, outcome]) => [action, actor, outcome] as const));
  it.each(cases)('%s by %s: %s', (action, actor, outcome) => {
    const decision = decide(actors[actor], actions[action]);
    expect(decision.allowed ? 'Y' : decision.reason.replace('admin.denied.', '')).toBe(outcome);
  });

  it("lets the organisation's administrators change their own area roles, never their own rights or account", () => {
    for (const [name, orgRole] of [
      ['holder', 'fullmaktshavare'],
      ['orgAdmin', 'admin_org'],
    ] as const) {
      const actor = actors[name];
      const self: TargetUser = { id: actor.userId, organisationId: ORG, orgRole, units: new Set([UNIT_A]) };
      const role = (role: string) => decide(actor, { kind: 'role.change', target: self, organisationId: ORG, unitId: UNIT_A, role, approvedRoles: approved });
      expect(role('YH_ANSOKAN'), name).toEqual({ allowed: true });
      expect(role('KK_ANSOKAN'), name).toEqual({ allowed: false, reason: 'admin.denied.areaNotApproved' });
      expect(role(UNIT_ADMIN_ROLE), name).toEqual({ allowed: false, reason: 'admin.denied.self' });
      expect(decide(actor, { kind: 'orgRole.change', target: self, organisationId: ORG, role: 'admin_org' }), name).toEqual({
        allowed: false,
        reason: 'admin.denied.self',
      });
      expect(decide(actor, { kind: 'user.manage', target: self }), name).toEqual({ allowed: true });
      for (const step of [{ inactivate: true }, { oneTimePassword: true }])
        expect(decide(actor, { kind: 'user.manage', target: self, activeHolders: 2, ...step }), name).toEqual({
          allowed: false,
          reason: 'admin.denied.selfAccount',
        });
    }
  });

  it('lets a unit admin change nothing of their own', () => {
    const self: TargetUser = { id: 3, organisationId: ORG, orgRole: null, units: new Set([UNIT_A]) };
    for (const role of ['YH_ANSOKAN', UNIT_ADMIN_ROLE])
      expect(decide(actors.unitAdminA, { kind: 'role.change', target: self, organisationId: ORG, unitId: UNIT_A, role, approvedRoles: approved })).toEqual({
        allowed: false,
        reason: 'admin.denied.self',
      });
    expect(decide(actors.unitAdminA, { kind: 'user.manage', target: self, inactivate: true })).toEqual({ allowed: false, reason: 'admin.denied.selfAccount' });
  });

  it('keeps one active fullmaktshavare and never inactivates the main unit', () => {
    const holder: TargetUser = { id: 30, organisationId: ORG, orgRole: 'fullmaktshavare', units: new Set() };
    expect(decide(actors.orgAdmin, { kind: 'user.manage', target: holder, inactivate: true, activeHolders: 1 })).toEqual({
      allowed: false,
      reason: 'admin.denied.lastHolder',
    });
    expect(decide(actors.holder, { kind: 'unit.edit', organisationId: ORG, unitId: UNIT_A, isMain: true, inactivate: true })).toEqual({
      allowed: false,
      reason: 'admin.denied.mainUnit',
    });
  });

  it('never moves the main unit away or merges it into another, but lets it be edited and split', () => {
    for (const kind of ['unit.move', 'unit.merge'] as const)
      expect(decide(actors.holder, { kind, organisationId: ORG, unitId: UNIT_A, isMain: true })).toEqual({ allowed: false, reason: 'admin.denied.mainUnit' });
    expect(decide(actors.holder, { kind: 'unit.edit', organisationId: ORG, unitId: UNIT_A, isMain: true })).toEqual({ allowed: true });
    expect(decide(actors.holder, { kind: 'unit.split', organisationId: ORG, unitId: UNIT_A })).toEqual({ allowed: true });
  });

  it('has a rule for every action and every kind of actor', () => {
    for (const [kind, row] of Object.entries(POLICY))
      expect(Object.keys(row).sort(), kind).toEqual(['admin_enhet', 'admin_org', 'fullmaktshavare', 'none', 'staff']);
  });

  it('lets staff change the users of an organisation the authority administers, and its own administrators only see them', () => {
    const staff = (administered: boolean): AdminActor => ({ userId: 5, organisationId: ORG, orgRole: null, adminUnits: new Set(), staff: true, administered });
    const changes: AdminAction[] = [actions['add user in B'], actions['inactivate user in B'], actions['give role in B'], actions['give unit admin in A']];
    for (const action of changes) {
      expect(decide(staff(true), action), action.kind).toEqual({ allowed: true });
      expect(decide(staff(false), action), action.kind).toEqual({ allowed: false, reason: 'admin.denied.notAdministered' });
      for (const name of ['holder', 'orgAdmin', 'unitAdminA'])
        expect(decide({ ...actors[name], administered: true }, action), name).toEqual({ allowed: false, reason: 'admin.denied.administered' });
    }
    expect(decide(staff(true), actions['give unapproved role'])).toEqual({ allowed: false, reason: 'admin.denied.areaNotApproved' });
    expect(decide(staff(true), actions['appoint org admin'])).toEqual({ allowed: false, reason: 'admin.denied.holderOnly' });
    expect(decide(staff(true), actions['edit organisation'])).toEqual({ allowed: false, reason: 'admin.denied.staffUsersOnly' });
    expect(decide(staff(true), actions['touch other organisation'])).toEqual({ allowed: false, reason: 'admin.denied.otherOrganisation' });
    // Seeing is not changing.
    expect(decide({ ...actors.holder, administered: true }, { kind: 'user.view', target: reporterInB })).toEqual({ allowed: true });
    expect(decide({ ...actors.unitAdminA, administered: true }, { kind: 'user.view', target: reporterInA })).toEqual({ allowed: true });
    expect(decide({ ...actors.unitAdminA, administered: true }, { kind: 'user.view', target: reporterInB })).toEqual({
      allowed: false,
      reason: 'admin.denied.ownUnitsOnly',
    });
  });

  it('keeps a unit admin away from the organisation admins', () => {
    const admin: TargetUser = { id: 31, organisationId: ORG, orgRole: 'admin_org', units: new Set([UNIT_A]) };
    expect(decide(actors.unitAdminA, { kind: 'user.manage', target: admin })).toEqual({ allowed: false, reason: 'admin.denied.orgAdminTarget' });
  });
});
