import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import type { Actor } from '#server/identity/accounts.ts';
import { closeOrganisation, reopenOrganisation, type ClosureResult } from '#server/organisation/closure.ts';
import { registerFullmakt } from '#server/organisation/fullmakt.ts';
import { nameField } from '#server/platform/name-schema.ts';
import { userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';

/**
 * The back office's actions on a whole organisation (issue 19): a new fullmakt, closing
 * and reopening. Spread into `office`, so the access rule for `office.*` (staff only) covers them.
 */
function staff(context: { locals: App.Locals; clientAddress: string }): Actor {
  const user = userOf(context.locals);
  return { userId: user.id, client: loginContext(context.locals, context.clientAddress).client };
}

const id = z.coerce.number().int().positive();
const email = z.string({ error: 'error.email' }).trim().max(200, 'error.email').pipe(z.email('error.email'));
const base = (organisation: number) => `/handlaggning/organisationer/${organisation}`;

function closureAnswer(result: ClosureResult, organisation: number, page: string, done: string) {
  if (result.kind === 'refused')
    throw new ActionError({ code: result.reason === 'notFound' ? 'NOT_FOUND' : 'CONFLICT', message: `error.closure.${result.reason}` });
  return { redirect: `${base(organisation)}/${page}?klart=${done}` };
}

export const organisationOffice = {
  registerFullmakt: defineAction({
    accept: 'form',
    input: z.object({
      organisation: id,
      /** The holder the form showed ('' when none): a registration made meanwhile is not overwritten. */
      expectedHolder: z.string().trim().regex(/^\d*$/).default(''),
      receivedOn: z
        .string({ error: 'error.office.fullmaktDate' })
        .trim()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'error.office.fullmaktDate')
        .refine((value) => !Number.isNaN(Date.parse(value)), 'error.office.fullmaktDate'),
      holder: z
        .string({ error: 'error.fullmakt.holder' })
        .trim()
        .regex(/^(ny|\d+)$/, 'error.fullmakt.holder'),
      firstName: z.string().optional(),
      lastName: z.string().optional(),
      email: z.string().optional(),
    }),
    handler: async (input, context) => {
      const { db, config, clock } = context.locals.app;
      let holder: { kind: 'existing'; userId: number } | { kind: 'new'; firstName: string; lastName: string; email: string };
      if (input.holder === 'ny') {
        const person = z
          .object({ firstName: nameField(100, 'error.firstName.required'), lastName: nameField(100, 'error.lastName.required'), email })
          .safeParse({ firstName: input.firstName, lastName: input.lastName, email: input.email });
        if (!person.success)
          throw refuse(context.locals, 'BAD_REQUEST', 'error.fullmakt.person', {
            issues: person.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
          });
        holder = { kind: 'new', ...person.data };
      } else holder = { kind: 'existing', userId: Number(input.holder) };
      const result = await registerFullmakt(
        db,
        {
          organisationId: input.organisation,
          receivedOn: input.receivedOn,
          expectedHolderId: input.expectedHolder ? Number(input.expectedHolder) : null,
          holder,
        },
        staff(context),
        config,
        clock,
      );
      if (result.kind === 'refused') {
        if (result.reason === 'notFound') throw new ActionError({ code: 'NOT_FOUND', message: 'error.fullmakt.notFound' });
        throw refuse(context.locals, 'CONFLICT', `error.fullmakt.${result.reason}`, result.reason === 'unknownUser' ? { field: 'holder' } : {});
      }
      return { redirect: `${base(input.organisation)}/fullmakt?klart=fullmakt` };
    },
  }),

  closeOrganisation: defineAction({
    accept: 'form',
    input: z.object({ organisation: id, reason: z.string({ error: 'error.closure.reason' }).trim().min(1, 'error.closure.reason').max(2000, 'error.tooLong') }),
    handler: async (input, context) => {
      const { db, config, clock } = context.locals.app;
      return closureAnswer(await closeOrganisation(db, input.organisation, input.reason, staff(context), config, clock), input.organisation, 'stang', 'stangd');
    },
  }),

  reopenOrganisation: defineAction({
    accept: 'form',
    input: z.object({ organisation: id }),
    handler: async (input, context) => {
      const { db, config, clock } = context.locals.app;
      return closureAnswer(await reopenOrganisation(db, input.organisation, staff(context), config, clock), input.organisation, 'oppna', 'oppnad');
    },
  }),
};
