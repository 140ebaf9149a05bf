import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import type { Actor } from '#server/identity/accounts.ts';
import { approveApplication, registerPaper, rejectApplication, requestCompletion, type Decision } from '#server/applications/approval.ts';
import { LETTER_BATCH_MAX, markLettersPrinted } from '#server/identity/letters.ts';
import { decideRoleRequest } from '#server/organisation/role-requests.ts';
import { userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';

/** The handläggare asking (the access rules let only them through), as the audit log names them. */
function staff(context: { locals: App.Locals; request: Request; clientAddress: string }): Actor {
  const user = userOf(context.locals);
  return { userId: user.id, client: loginContext(context.locals, context.clientAddress).client };
}

function answer(decision: Decision, id: number, done: string) {
  if (decision.kind === 'refused')
    throw new ActionError({ code: decision.reason === 'notFound' ? 'NOT_FOUND' : 'CONFLICT', message: `error.office.${decision.reason}` });
  return { redirect: `/handlaggning/ansokningar/${id}?klart=${done}` };
}

const application = z.coerce.number().int().positive();

export const office = {
  registerPaper: defineAction({
    accept: 'form',
    input: z.object({
      application,
      receivedOn: z
        .string({ error: 'error.office.date' })
        .trim()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'error.office.date')
        .refine((value) => !Number.isNaN(Date.parse(value)), 'error.office.date'),
    }),
    handler: async (input, context) =>
      answer(
        await registerPaper(context.locals.app.db, input.application, input.receivedOn, staff(context), context.locals.app.clock),
        input.application,
        'mottaget',
      ),
  }),

  approve: defineAction({
    accept: 'form',
    input: z.object({ application }),
    handler: async (input, context) =>
      answer(
        await approveApplication(context.locals.app.db, input.application, staff(context), context.locals.app.config, context.locals.app.clock),
        input.application,
        'godkand',
      ),
  }),

  reject: defineAction({
    accept: 'form',
    input: z.object({ application, reason: z.string({ error: 'error.office.reason' }).trim().min(1, 'error.office.reason').max(2000, 'error.tooLong') }),
    handler: async (input, context) =>
      answer(
        await rejectApplication(context.locals.app.db, input.application, input.reason, staff(context), context.locals.app.config, context.locals.app.clock),
        input.application,
        'avslagen',
      ),
  }),

  requestCompletion: defineAction({
    accept: 'form',
    input: z.object({
      application,
      missing: z.string({ error: 'error.office.missing' }).trim().min(1, 'error.office.missing').max(2000, 'error.tooLong'),
    }),
    handler: async (input, context) =>
      answer(
        await requestCompletion(context.locals.app.db, input.application, input.missing, staff(context), context.locals.app.config, context.locals.app.clock),
        input.application,
        'komplettering',
      ),
  }),

  roleRequest: defineAction({
    accept: 'form',
    input: z.object({
      request: application,
      decision: z.enum(['paper', 'approve', 'reject']),
      receivedOn: z
        .string()
        .trim()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'error.office.date')
        .optional(),
      reason: z.string().trim().max(2000, 'error.tooLong').optional(),
    }),
    handler: async (input, context) => {
      const actor = staff(context);
      if (input.decision === 'paper' && !input.receivedOn) throw refuse(context.locals, 'BAD_REQUEST', 'error.office.date', { field: 'receivedOn' });
      if (input.decision === 'reject' && !input.reason) throw refuse(context.locals, 'BAD_REQUEST', 'error.office.reason', { field: 'reason' });
      const decision =
        input.decision === 'paper'
          ? { kind: 'paper' as const, receivedOn: input.receivedOn! }
          : input.decision === 'approve'
            ? { kind: 'approve' as const }
            : { kind: 'reject' as const, reason: input.reason! };
      const result = await decideRoleRequest(context.locals.app.db, input.request, decision, actor, context.locals.app.config, context.locals.app.clock);
      if (result.kind === 'refused')
        throw new ActionError({ code: result.reason === 'notFound' ? 'NOT_FOUND' : 'CONFLICT', message: `error.office.${result.reason}` });
      return { redirect: `/handlaggning/roller/${input.request}?klart=${input.decision}` };
    },
  }),

  markPrinted: defineAction({
    accept: 'form',
    input: z.object({ letter: z.coerce.number().int().positive() }),
    handler: async (input, context) => {
      const { db, config, clock } = context.locals.app;
      await markLettersPrinted(db, [input.letter], staff(context), config, clock);
      return { redirect: '/handlaggning/brev?klart=utskrivet' };
    },
  }),

  /** "Markera alla som utskrivna": exactly the letters the page listed and printed, never one made since. */
  markAllPrinted: defineAction({
    accept: 'form',
    input: z.object({
      letters: z
        .string()
        .max(LETTER_BATCH_MAX * 21)
        .transform((value) => [...new Set(value.split(',').map((part) => Number(part.trim())))])
        .pipe(z.array(z.number().int().positive()).min(1).max(LETTER_BATCH_MAX)),
    }),
    handler: async (input, context) => {
      const { db, config, clock } = context.locals.app;
      const count = await markLettersPrinted(db, input.letters, staff(context), config, clock);
      return { redirect: `/handlaggning/brev?klart=allautskrivna&antal=${count}` };
    },
  }),
};
