import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { sessionOf, userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';
import { rememberUnit } from '#server/organisation/services.ts';
import { endOwnSession } from '#server/identity/session.ts';
import { acceptTerms } from '#server/identity/terms.ts';

// The access rules let only signed-in users reach these actions.
const signedIn = (locals: App.Locals) => ({ user: userOf(locals), session: sessionOf(locals) });

export const account = {
  selectUnit: defineAction({
    accept: 'form',
    input: z.object({ unit: z.coerce.number().int().positive('error.unit.required') }),
    handler: async (input, context) => {
      const { user } = signedIn(context.locals);
      if (!(await rememberUnit(context.locals.app.db, user.id, input.unit)))
        throw refuse(context.locals, 'FORBIDDEN', 'error.unit.required', { field: 'unit' });
      return { redirect: '/mina-tjanster?enhet=bytt' };
    },
  }),

  acceptTerms: defineAction({
    accept: 'form',
    input: z.object({ accept: z.literal('ja', { message: 'error.terms.required' }), version: z.string().max(40) }),
    handler: async (input, context) => {
      const { user } = signedIn(context.locals);
      // The version the user read is the one recorded; a page older than the current terms is shown again.
      if ((await acceptTerms(context.locals.app.db, user, input.version, context.locals.app.clock)) === 'changed')
        throw new ActionError({ code: 'CONFLICT', message: 'error.terms.changed' });
      return { redirect: user.kind === 'staff' ? '/handlaggning' : '/mina-tjanster' };
    },
  }),

  endSession: defineAction({
    accept: 'form',
    input: z.object({ session: z.string().min(1).max(64) }),
    handler: async (input, context) => {
      const { user, session } = signedIn(context.locals);
      const client = loginContext(context.locals, context.clientAddress).client;
      if (!(await endOwnSession(context.locals.app.db, user, input.session, client, context.locals.app.clock)))
        throw new ActionError({ code: 'NOT_FOUND', message: 'error.session.notFound' });
      return { redirect: input.session === session.id ? '/logga-in?utloggad=1' : '/mina-tjanster/sakerhet?avslutad=1' };
    },
  }),
};
