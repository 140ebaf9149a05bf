import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { recordAudit } from '#server/platform/audit.ts';
import { appClock } from '#server/platform/clock.ts';
import { db } from '#server/platform/database.ts';
import { loginContext } from '#web/request-context.ts';
import { rememberUnit } from '#server/organisation/services.ts';
import { deleteSession } from '#server/identity/session.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';

const signedIn = (locals: App.Locals) => {
  if (!locals.user || !locals.session) throw new ActionError({ code: 'UNAUTHORIZED', message: 'error.signedOut' });
  return { user: locals.user, session: locals.session };
};

export const account = {
  selectUnit: defineAction({
    accept: 'form',
    input: z.object({ unit: z.coerce.number().int().positive('error.unit.required') }),
    handler: async (input, context) => {
      const { user } = signedIn(context.locals);
      if (!(await rememberUnit(db(), user.id, input.unit))) throw new ActionError({ code: 'FORBIDDEN', message: 'unit:error.unit.required' });
      return { redirect: '/mina-tjanster?enhet=bytt' };
    },
  }),

  acceptTerms: defineAction({
    accept: 'form',
    input: z.object({ accept: z.literal('ja', { message: 'error.terms.required' }), version: z.string().max(40) }),
    handler: async (input, context) => {
      const { user } = signedIn(context.locals);
      // The version the user read is the one recorded; a page older than the current terms is shown again.
      if (input.version !== CURRENT_TERMS_VERSION) throw new ActionError({ code: 'CONFLICT', message: 'error.terms.changed' });
      const now = appClock().now();
      await db().transaction().execute(async (trx) => {
        await trx.updateTable('app_user').set({ terms_version: CURRENT_TERMS_VERSION, terms_accepted_at: now }).where('id', '=', user.id).execute();
        await recordAudit(trx, { event: 'terms.accepted', at: now, actorUserId: user.id, subjectUserId: user.id, organisationId: user.organisation_id, detail: { version: CURRENT_TERMS_VERSION } });
      });
      return { redirect: user.kind === 'staff' ? '/handlaggning' : '/mina-tjanster' };
    },
  }),

  endSession: defineAction({
    accept: 'form',
    input: z.object({ session: z.string().min(1).max(64) }),
    handler: async (input, context) => {
      const { user, session } = signedIn(context.locals);
      const target = await db().selectFrom('user_session').select('id').where('id', '=', input.session).where('user_id', '=', user.id).executeTakeFirst();
      if (!target) throw new ActionError({ code: 'NOT_FOUND', message: 'error.session.notFound' });
      await deleteSession(db(), target.id);
      await recordAudit(db(), { event: 'session.ended', at: appClock().now(), actorUserId: user.id, subjectUserId: user.id, organisationId: user.organisation_id, client: loginContext(context.request, context.clientAddress).client, detail: { reason: 'ended by user' } });
      return { redirect: target.id === session.id ? '/logga-in?utloggad=1' : '/mina-tjanster/sakerhet?avslutad=1' };
    },
  }),
};
