import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import type { Actor } from '#server/identity/accounts.ts';
import { addUserWithRoles, approvedRoles, changeableCells, getOrganisation, loadTarget, rolesOf } from '#server/organisation/admin.ts';
import { changeEmail, setAdministered, staffActor } from '#server/organisation/administered.ts';
import { countActiveHolders, saveRoles, setActive } from '#server/organisation/org-roles.ts';
import { decide, type AdminAction, type AdminActor } from '#server/organisation/policy.ts';
import { nameField } from '#server/platform/name-schema.ts';
import { userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';

/**
 * The handläggare's actions on an organisation the authority administers: the setting,
 * and creating and changing its users with the same server functions and policy table as
 * the organisation's own administrators (actions/organisation.ts), as a staff actor.
 * Spread into the `office` namespace, which the access rules keep for staff.
 */
type Context = { locals: App.Locals; request: Request; clientAddress: string };

const id = z.coerce.number().int().positive();
const email = z.string({ error: 'error.email' }).trim().max(200, 'error.email').pipe(z.email('error.email'));
const cells = z.array(z.string().regex(/^\d{1,12}:[A-Z0-9_]{1,40}$/, 'error.invalid')).max(5000);
const shownUnits = z.array(z.string().regex(/^\d{1,12}$/, 'error.invalid')).max(500);
const unitsOf = (keys: Iterable<string>) => [...keys].map((key) => Number(key.split(':')[0]));
const base = (organisationId: number) => `/handlaggning/organisationer/${organisationId}`;

async function who(context: Context, organisationId: number): Promise<{ actor: AdminActor; audit: Actor }> {
  const staff = userOf(context.locals);
  if (!(await getOrganisation(context.locals.app.db, organisationId)))
    throw new ActionError({ code: 'NOT_FOUND', message: 'error.administered.noOrganisation' });
  return {
    actor: await staffActor(context.locals.app.db, staff, organisationId),
    audit: { userId: staff.id, client: loginContext(context.locals, context.clientAddress).client },
  };
}

function require(actor: AdminActor, action: AdminAction): void {
  const decision = decide(actor, action);
  if (!decision.allowed) throw new ActionError({ code: 'FORBIDDEN', message: decision.reason });
}

/** The user and the staff actor for the user's organisation: the forms name the user only. */
async function userAndActor(context: Context, userId: number) {
  const target = await loadTarget(context.locals.app.db, userId);
  if (!target || target.organisationId === null) throw new ActionError({ code: 'FORBIDDEN', message: 'admin.denied.otherOrganisation' });
  return { target, ...(await who(context, target.organisationId)) };
}

export const administered = {
  setAdministered: defineAction({
    accept: 'form',
    input: z.object({ organisation: id, administered: z.enum(['ja', 'nej']) }),
    handler: async (input, context) => {
      const { audit } = await who(context, input.organisation);
      const on = input.administered === 'ja';
      await context.locals.app.db.transaction().execute((trx) => setAdministered(trx, input.organisation, on, audit, context.locals.app.clock));
      return { redirect: `${base(input.organisation)}/installningar?klart=${on ? 'administreras' : 'egen'}` };
    },
  }),

  addAdministeredUser: defineAction({
    accept: 'form',
    input: z.object({
      organisation: id,
      firstName: nameField(100, 'error.firstName.required'),
      lastName: nameField(100, 'error.lastName.required'),
      email,
      phone: z.string().trim().max(40, 'error.tooLong').optional(),
      roles: cells,
    }),
    handler: async (input, context) => {
      const { actor, audit } = await who(context, input.organisation);
      const organisationId = input.organisation;
      const wanted = new Set(input.roles);
      const unitIds = [...new Set(unitsOf(wanted))];
      require(actor, { kind: 'user.add', organisationId, unitIds });
      const { app } = context.locals;
      const person = { firstName: input.firstName, lastName: input.lastName, email: input.email, phone: input.phone ?? '' };
      const user = await addUserWithRoles(app.db, actor, organisationId, person, wanted, audit, app.config, app.clock);
      if (!user) throw refuse(context.locals, 'FORBIDDEN', 'admin.denied.areaNotApproved', { field: 'roles' });
      return { redirect: `${base(organisationId)}/anvandare/${user.id}?klart=ny` };
    },
  }),

  setAdministeredRoles: defineAction({
    accept: 'form',
    input: z.object({ user: id, roles: cells, units: shownUnits }),
    handler: async (input, context) => {
      const { target, actor, audit } = await userAndActor(context, input.user);
      require(actor, { kind: 'user.manage', target });
      const organisationId = target.organisationId!;
      const wanted = new Set(input.roles);
      const scope = new Set([...input.units.map(Number), ...unitsOf(wanted)]);
      const allowed = await changeableCells(context.locals.app.db, actor, organisationId, target, scope);
      // Roles in units the form did not show are left as they are.
      const current = new Set([...(await rolesOf(context.locals.app.db, target.id))].filter((key) => scope.has(Number(key.split(':')[0]))));
      const refused = [...new Set([...wanted, ...current])].find((key) => wanted.has(key) !== current.has(key) && !allowed.has(key));
      if (refused) {
        const [unitId, role] = refused.split(':');
        const approved = await approvedRoles(context.locals.app.db, organisationId);
        const decision = decide(actor, { kind: 'role.change', target, organisationId, unitId: Number(unitId), role, approvedRoles: approved });
        throw new ActionError({ code: 'FORBIDDEN', message: decision.allowed ? 'admin.denied.ownUnitsOnly' : decision.reason });
      }
      const saved = await saveRoles(context.locals.app.db, target, wanted, allowed, undefined, audit, context.locals.app.clock);
      if (saved !== 'saved') throw new ActionError({ code: 'CONFLICT', message: `admin.denied.${saved}` });
      return { redirect: `${base(organisationId)}/anvandare/${target.id}?klart=roller` };
    },
  }),

  setAdministeredActive: defineAction({
    accept: 'form',
    input: z.object({ user: id, active: z.enum(['ja', 'nej']) }),
    handler: async (input, context) => {
      const { target, actor, audit } = await userAndActor(context, input.user);
      require(actor, {
        kind: 'user.manage',
        target,
        inactivate: input.active === 'nej',
        activeHolders: await countActiveHolders(context.locals.app.db, target.organisationId!),
      });
      const done = await setActive(context.locals.app.db, target, input.active === 'ja', audit, context.locals.app.clock);
      if (done !== 'done') throw new ActionError({ code: 'CONFLICT', message: `admin.denied.${done}` });
      return { redirect: `${base(target.organisationId!)}/anvandare/${target.id}?klart=${input.active === 'ja' ? 'aktiverad' : 'inaktiverad'}` };
    },
  }),

  changeAdministeredEmail: defineAction({
    accept: 'form',
    input: z.object({ user: id, email }),
    handler: async (input, context) => {
      const { target, actor, audit } = await userAndActor(context, input.user);
      require(actor, { kind: 'user.manage', target });
      await context.locals.app.db.transaction().execute((trx) => changeEmail(trx, target.user, input.email, audit, context.locals.app.clock));
      return { redirect: `${base(target.organisationId!)}/anvandare/${target.id}?klart=epost` };
    },
  }),
};
