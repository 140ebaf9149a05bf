import type { Db } from '#server/platform/database.ts';
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { sendOneTimePassword, type Actor } from '#server/identity/accounts.ts';
import { decide, type AdminAction, type AdminActor } from '#server/organisation/policy.ts';
import {
  addUnit,
  addUserWithRoles,
  approvedRoles,
  changeableCells,
  getUnit,
  loadTarget,
  rolesOf,
  updateOrganisation,
  updateUnit,
} from '#server/organisation/admin.ts';
import { countActiveHolders, saveRoles, setActive } from '#server/organisation/org-roles.ts';
import { nameField } from '#server/platform/name-schema.ts';
import { hitLimit } from '#server/platform/rate-limit.ts';
import { adminOf, userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';
import { createRoleRequest } from '#server/organisation/role-requests.ts';
import { acceptTransfer, confirmDetails, declineTransfer, mergeUnits, proposeTransfer, splitUnit } from '#server/organisation/unit-history.ts';

// An empty field reaches the schema as null (or undefined when the field is optional).
const text = (max: number, required = 'error.required') => z.string({ error: required }).trim().min(1, required).max(max, 'error.tooLong');
const optional = (max: number) => z.string().trim().max(max, 'error.tooLong').optional();
// Astro reads form fields by the schema's outer type: keep defaults outermost and arrays plain.
const postalCode = z
  .string()
  .trim()
  .regex(/^(\d{3} ?\d{2})?$/, 'error.postalCode')
  .transform((value) => value.replace(/\s/g, ''))
  .optional();
const email = z.string({ error: 'error.email' }).trim().max(200, 'error.email').pipe(z.email('error.email'));
const cells = z.array(z.string().regex(/^\d{1,12}:[A-Z0-9_]{1,40}$/, 'error.invalid')).max(5000);
// The units a paged role grid showed: saving touches the roles of these units only.
const shownUnits = z.array(z.string().regex(/^\d{1,12}$/, 'error.invalid')).max(500);
const unitsOf = (keys: Iterable<string>) => [...keys].map((key) => Number(key.split(':')[0]));

/** The administrator the access rules let through, as the policy and the audit log see them. */
function who(context: { locals: App.Locals; request: Request; clientAddress: string }): { actor: AdminActor; audit: Actor } {
  return { actor: adminOf(context.locals), audit: { userId: userOf(context.locals).id, client: loginContext(context.locals, context.clientAddress).client } };
}

function require(actor: AdminActor, action: AdminAction): void {
  const decision = decide(actor, action);
  if (!decision.allowed) throw new ActionError({ code: 'FORBIDDEN', message: decision.reason });
}

const unitOf = async (db: Db, actor: AdminActor, unitId: number) => {
  const unit = await getUnit(db, unitId);
  if (!unit || unit.organisation_id !== actor.organisationId) throw new ActionError({ code: 'FORBIDDEN', message: 'admin.denied.otherOrganisation' });
  return unit;
};

export const organisation = {
  requestRole: defineAction({
    accept: 'form',
    input: z.object({ areas: z.array(z.string().max(20)).max(20) }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      require(actor, { kind: 'organisation.edit', organisationId: actor.organisationId ?? -1 });
      const result = await createRoleRequest(context.locals.app.db, actor.organisationId!, [...new Set(input.areas)], audit, context.locals.app.clock);
      if (result.kind === 'refused')
        throw refuse(context.locals, result.reason === 'none' ? 'BAD_REQUEST' : 'CONFLICT', `error.roleRequest.${result.reason}`, { field: 'areas' });
      return { redirect: `/mina-tjanster/organisation/ny-roll/${result.id}` };
    },
  }),

  confirmDetails: defineAction({
    accept: 'form',
    input: z.object({}),
    handler: async (_input, context) => {
      const { actor, audit } = who(context);
      require(actor, { kind: 'organisation.edit', organisationId: actor.organisationId ?? -1 });
      await context.locals.app.db.transaction().execute((trx) => confirmDetails(trx, actor.organisationId!, audit, context.locals.app.clock));
      return { redirect: '/mina-tjanster/organisation?klart=bekraftad' };
    },
  }),

  proposeTransfer: defineAction({
    accept: 'form',
    input: z.object({
      unit: z.coerce.number().int().positive(),
      orgNumber: z
        .string({ error: 'error.orgNumber' })
        .trim()
        .regex(/^\d{6}-?\d{4}$/, 'error.orgNumber'),
    }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const unit = await unitOf(context.locals.app.db, actor, input.unit);
      require(actor, { kind: 'unit.move', organisationId: unit.organisation_id, unitId: unit.id, isMain: unit.is_main });
      const result = await context.locals.app.db
        .transaction()
        .execute((trx) => proposeTransfer(trx, unit, input.orgNumber, audit, context.locals.app.clock, context.locals.app.config));
      if (result !== 'proposed') throw refuse(context.locals, 'BAD_REQUEST', `error.transfer.${result}`, { field: 'orgNumber' });
      return { redirect: `/mina-tjanster/organisation/enhet/${unit.id}?klart=flytt` };
    },
  }),

  acceptTransfer: defineAction({
    accept: 'form',
    input: z.object({ transfer: z.coerce.number().int().positive() }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      require(actor, { kind: 'unit.transfer', organisationId: actor.organisationId ?? -1 });
      const done = await context.locals.app.db
        .transaction()
        .execute((trx) => acceptTransfer(trx, input.transfer, actor.organisationId!, audit, context.locals.app.clock));
      if (!done) throw new ActionError({ code: 'NOT_FOUND', message: 'error.transfer.gone' });
      return { redirect: '/mina-tjanster/organisation/enheter?klart=mottagen' };
    },
  }),

  declineTransfer: defineAction({
    accept: 'form',
    input: z.object({ transfer: z.coerce.number().int().positive() }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      require(actor, { kind: 'unit.transfer', organisationId: actor.organisationId ?? -1 });
      const done = await context.locals.app.db
        .transaction()
        .execute((trx) => declineTransfer(trx, input.transfer, actor.organisationId!, audit, context.locals.app.clock));
      if (!done) throw new ActionError({ code: 'NOT_FOUND', message: 'error.transfer.gone' });
      return { redirect: '/mina-tjanster/organisation?klart=avbojd' };
    },
  }),

  mergeUnit: defineAction({
    accept: 'form',
    input: z.object({ unit: z.coerce.number().int().positive(), into: z.coerce.number({ error: 'error.merge.into' }).int().positive('error.merge.into') }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const [from, into] = [await unitOf(context.locals.app.db, actor, input.unit), await unitOf(context.locals.app.db, actor, input.into)];
      require(actor, { kind: 'unit.merge', organisationId: from.organisation_id, unitId: from.id, isMain: from.is_main });
      if (from.id === into.id || into.status !== 'active') throw refuse(context.locals, 'BAD_REQUEST', 'error.merge.into', { field: 'into' });
      await context.locals.app.db.transaction().execute((trx) => mergeUnits(trx, from, into, audit, context.locals.app.clock));
      return { redirect: `/mina-tjanster/organisation/enhet/${into.id}?klart=sammanslagen` };
    },
  }),

  splitUnit: defineAction({
    accept: 'form',
    // `move`: the `userId:ROLE` roles in the unit that go with the new unit; the others stay.
    input: z.object({
      unit: z.coerce.number().int().positive(),
      newName: nameField(150, 'error.unitName.required'),
      move: z.array(z.string().regex(/^\d{1,12}:[A-Z0-9_]{1,40}$/, 'error.invalid')).max(5000),
    }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const from = await unitOf(context.locals.app.db, actor, input.unit);
      require(actor, { kind: 'unit.split', organisationId: from.organisation_id, unitId: from.id });
      const moves = new Set(input.move);
      const id = await context.locals.app.db.transaction().execute((trx) => splitUnit(trx, from, input.newName, moves, audit, context.locals.app.clock));
      return { redirect: `/mina-tjanster/organisation/enhet/${id}?klart=delad` };
    },
  }),

  update: defineAction({
    accept: 'form',
    input: z.object({ postal_address: text(200), postal_code: postalCode, city: text(100), phone: text(40), email }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      require(actor, { kind: 'organisation.edit', organisationId: actor.organisationId ?? -1 });
      const fields = { ...input, postal_code: input.postal_code ?? '' };
      await context.locals.app.db.transaction().execute((trx) => updateOrganisation(trx, actor.organisationId!, fields, audit, context.locals.app.clock));
      return { redirect: '/mina-tjanster/organisation?klart=organisation' };
    },
  }),

  addUnit: defineAction({
    accept: 'form',
    // Prefixed names (unit_…), kept from when the page also held the organisation's address form: callers use them.
    input: z.object({
      unit_name: nameField(150, 'error.unitName.required'),
      unit_postal_address: optional(200),
      unit_postal_code: postalCode,
      unit_city: optional(100),
    }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      require(actor, { kind: 'unit.add', organisationId: actor.organisationId ?? -1 });
      // Per organisation, in Postgres: every instance counts against the same limit.
      const limit = await hitLimit(
        context.locals.app.db,
        { bucket: 'unit-add', key: String(actor.organisationId), max: context.locals.app.config.unitAddLimit, windowMs: 60 * 60_000 },
        context.locals.app.clock,
      );
      if (!limit.allowed)
        throw refuse(context.locals, 'TOO_MANY_REQUESTS', 'error.unitAddLimit', { params: { minutes: Math.ceil(limit.retryAfterSeconds / 60) } });
      const fields = {
        name: input.unit_name,
        postal_address: input.unit_postal_address ?? '',
        postal_code: input.unit_postal_code ?? '',
        city: input.unit_city ?? '',
      };
      await context.locals.app.db.transaction().execute((trx) => addUnit(trx, actor.organisationId!, fields, audit, context.locals.app.clock));
      return { redirect: '/mina-tjanster/organisation/enheter?klart=enhet' };
    },
  }),

  updateUnit: defineAction({
    accept: 'form',
    input: z.object({
      unit: z.coerce.number().int().positive(),
      name: nameField(150, 'error.unitName.required'),
      postal_address: optional(200),
      postal_code: postalCode,
      city: optional(100),
      status: z.enum(['active', 'inactive']),
    }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const unit = await getUnit(context.locals.app.db, input.unit);
      if (!unit) throw new ActionError({ code: 'FORBIDDEN', message: 'admin.denied.otherOrganisation' });
      require(actor, {
        kind: 'unit.edit',
        organisationId: unit.organisation_id,
        unitId: unit.id,
        isMain: unit.is_main,
        inactivate: input.status === 'inactive',
      });
      const fields = {
        name: input.name,
        postal_address: input.postal_address ?? '',
        postal_code: input.postal_code ?? '',
        city: input.city ?? '',
        status: input.status,
      };
      await context.locals.app.db.transaction().execute((trx) => updateUnit(trx, unit, fields, audit, context.locals.app.clock));
      return { redirect: '/mina-tjanster/organisation/enheter?klart=enhet' };
    },
  }),

  addUser: defineAction({
    accept: 'form',
    input: z.object({
      firstName: nameField(100, 'error.firstName.required'),
      lastName: nameField(100, 'error.lastName.required'),
      email,
      phone: optional(40),
      roles: cells,
    }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const organisationId = actor.organisationId ?? -1;
      const wanted = new Set(input.roles);
      const unitIds = [...new Set([...wanted].map((key) => Number(key.split(':')[0])))];
      require(actor, { kind: 'user.add', organisationId, unitIds: actor.orgRole ? unitIds : unitIds.length ? unitIds : [] });
      const { app } = context.locals;
      const person = { firstName: input.firstName, lastName: input.lastName, email: input.email, phone: input.phone ?? '' };
      const user = await addUserWithRoles(app.db, actor, organisationId, person, wanted, audit, app.config, app.clock);
      if (!user) throw new ActionError({ code: 'FORBIDDEN', message: 'admin.denied.ownUnitsOnly' });
      return { redirect: `/mina-tjanster/organisation/anvandare/${user.id}?klart=ny` };
    },
  }),

  setRoles: defineAction({
    accept: 'form',
    input: z.object({
      user: z.coerce.number().int().positive(),
      roles: cells,
      units: shownUnits,
      orgAdmin: z.enum(['ja']).optional(),
      orgAdminShown: z.enum(['ja']).optional(),
    }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const target = await loadTarget(context.locals.app.db, input.user);
      if (!target || target.organisationId !== actor.organisationId) throw new ActionError({ code: 'FORBIDDEN', message: 'admin.denied.otherOrganisation' });
      require(actor, { kind: 'user.manage', target });
      const organisationId = target.organisationId!;
      const wanted = new Set(input.roles);
      const scope = new Set([...input.units.map(Number), ...unitsOf(wanted)]);
      const allowed = await changeableCells(context.locals.app.db, actor, organisationId, target, scope);
      // Roles in units the form did not show are left as they are.
      const current = new Set([...(await rolesOf(context.locals.app.db, target.id))].filter((key) => scope.has(Number(key.split(':')[0]))));
      const changed = [...new Set([...wanted, ...current])].filter((key) => wanted.has(key) !== current.has(key));
      const refused = changed.find((key) => !allowed.has(key));
      if (refused) {
        const [unitId, role] = refused.split(':');
        const approved = await approvedRoles(context.locals.app.db, organisationId);
        const decision = decide(actor, { kind: 'role.change', target, organisationId, unitId: Number(unitId), role, approvedRoles: approved });
        throw new ActionError({ code: 'FORBIDDEN', message: decision.allowed ? 'admin.denied.ownUnitsOnly' : decision.reason });
      }
      const wantsOrgAdmin = input.orgAdmin === 'ja';
      const orgAdminChange = input.orgAdminShown === 'ja' && wantsOrgAdmin !== (target.orgRole === 'admin_org') && target.orgRole !== 'fullmaktshavare';
      if (orgAdminChange) require(actor, { kind: 'orgRole.change', target, organisationId, role: 'admin_org' });
      const saved = await saveRoles(
        context.locals.app.db,
        target,
        wanted,
        allowed,
        orgAdminChange ? wantsOrgAdmin : undefined,
        audit,
        context.locals.app.clock,
      );
      if (saved !== 'saved') throw new ActionError({ code: 'CONFLICT', message: `admin.denied.${saved}` });
      return { redirect: `/mina-tjanster/organisation/anvandare/${target.id}?klart=roller` };
    },
  }),

  setActive: defineAction({
    accept: 'form',
    input: z.object({ user: z.coerce.number().int().positive(), active: z.enum(['ja', 'nej']) }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const target = await loadTarget(context.locals.app.db, input.user);
      if (!target || target.organisationId !== actor.organisationId) throw new ActionError({ code: 'FORBIDDEN', message: 'admin.denied.otherOrganisation' });
      require(actor, {
        kind: 'user.manage',
        target,
        inactivate: input.active === 'nej',
        activeHolders: await countActiveHolders(context.locals.app.db, target.organisationId!),
      });
      const done = await setActive(context.locals.app.db, target, input.active === 'ja', audit, context.locals.app.clock);
      if (done !== 'done') throw new ActionError({ code: 'CONFLICT', message: `admin.denied.${done}` });
      return { redirect: `/mina-tjanster/organisation/anvandare/${target.id}?klart=${input.active === 'ja' ? 'aktiverad' : 'inaktiverad'}` };
    },
  }),

  sendOneTimePassword: defineAction({
    accept: 'form',
    input: z.object({ user: z.coerce.number().int().positive() }),
    handler: async (input, context) => {
      const { actor, audit } = who(context);
      const target = await loadTarget(context.locals.app.db, input.user);
      if (!target || target.organisationId !== actor.organisationId) throw new ActionError({ code: 'FORBIDDEN', message: 'admin.denied.otherOrganisation' });
      require(actor, { kind: 'user.manage', target, oneTimePassword: true });
      await context.locals.app.db
        .transaction()
        .execute((trx) => sendOneTimePassword(trx, target.user, audit, context.locals.app.config, context.locals.app.clock));
      return { redirect: `/mina-tjanster/organisation/anvandare/${target.id}?klart=engangslosenord` };
    },
  }),
};
