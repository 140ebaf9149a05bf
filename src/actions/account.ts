import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { sessionOf, userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext, throttleClient } from '#web/request-context.ts';
import { MAX_PASSWORD_LENGTH } from '#server/identity/password.ts';
import { changeOwnPassword } from '#server/kiosk/kiosk.ts';
import { rememberUnit } from '#server/organisation/services.ts';
import { endOwnSession } from '#server/identity/session.ts';
import { acceptTerms } from '#server/identity/terms.ts';

// The access rules let only signed-in users reach these actions.
const signedIn = (locals: App.Locals) => ({ user: userOf(locals), session: sessionOf(locals) });
const password = (code: string) =>
  z
    .string({ error: code })
    .min(1, code)
    .max(MAX_PASSWORD_LENGTH * 4, 'error.password.tooLong');

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

  /** "Byt lösenord" while signed in: limited per client like the kiosk, and the current password counts towards the lock like a login. */
  changePassword: defineAction({
    accept: 'form',
    input: z.object({
      currentPassword: password('error.currentPassword.required'),
      newPassword: password('error.newPassword.required'),
      confirmPassword: z.string({ error: 'error.newPassword.mismatch' }).max(MAX_PASSWORD_LENGTH * 4, 'error.password.tooLong'),
    }),
    handler: async (input, context) => {
      const { user, session } = signedIn(context.locals);
      const ctx = loginContext(context.locals, context.clientAddress);
      const throttle = await throttleClient(context.locals.app, ctx.address, 'kiosk-client');
      if (!throttle.allowed)
        throw refuse(context.locals, 'TOO_MANY_REQUESTS', 'error.tooManyAttempts', { params: { minutes: Math.ceil(throttle.retryAfterSeconds / 60) } });
      const result = await changeOwnPassword(
        context.locals.app.db,
        { userId: user.id, sessionId: session.id },
        input.currentPassword,
        input.newPassword,
        input.confirmPassword,
        ctx,
      );
      if (result.kind === 'failed') throw refuse(context.locals, 'UNAUTHORIZED', 'error.currentPassword.wrong', { field: 'currentPassword' });
      if (result.kind === 'locked') throw refuse(context.locals, 'UNAUTHORIZED', 'error.login.locked', { params: { until: result.until.toISOString() } });
      if (result.kind === 'expired') throw new ActionError({ code: 'FORBIDDEN', message: 'error.session.notFound' });
      if (result.kind === 'invalid') {
        const field = result.problem === 'mismatch' ? 'confirmPassword' : 'newPassword';
        throw refuse(context.locals, 'BAD_REQUEST', `error.newPassword.${result.problem}`, { field, params: { min: ctx.config.rules.passwordMinLength } });
      }
      return { redirect: `/mina-tjanster/byt-losenord?sparat=${result.sessionsEnded > 0 ? 'avslutade' : 'ja'}` };
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
