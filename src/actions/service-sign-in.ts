import { defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { completeSignIn, refuseSignIn } from '#server/oidc/sign-ins.ts';
import { userOf } from '#web/access.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';

/** The portal's answer to an e-service's sign-in request (the page /inloggning/tjanst/[uid]). */
const uid = z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'error.serviceSignIn.gone');

export const serviceSignIn = {
  chooseServiceUnit: defineAction({
    accept: 'form',
    input: z.object({ uid, unit: z.coerce.number({ error: 'error.serviceSignIn.unit' }).int().positive('error.serviceSignIn.unit') }),
    handler: async (input, context) => {
      const { app, session } = context.locals;
      if (!app.oidc || !session) throw refuse(context.locals, 'NOT_FOUND', 'error.serviceSignIn.gone');
      const outcome = await completeSignIn(app.db, app.catalogue, app.clock, {
        oidc: app.oidc,
        request: context.request,
        uid: input.uid,
        user: userOf(context.locals),
        session,
        unitId: input.unit,
        client: loginContext(context.locals, context.clientAddress).client,
      });
      switch (outcome.kind) {
        case 'continue':
          return { redirect: outcome.location };
        case 'gone':
          throw refuse(context.locals, 'NOT_FOUND', 'error.serviceSignIn.gone');
        case 'noRole':
          throw refuse(context.locals, 'FORBIDDEN', 'error.serviceSignIn.noRole');
        case 'unknownUnit':
          throw refuse(context.locals, 'BAD_REQUEST', 'error.serviceSignIn.unit', { field: 'unit' });
      }
    },
  }),

  cancelServiceSignIn: defineAction({
    accept: 'form',
    input: z.object({ uid, reason: z.enum(['noRole', 'cancelled']).default('cancelled') }),
    handler: async (input, context) => {
      const { app } = context.locals;
      const location = app.oidc ? await refuseSignIn(app.oidc, context.request, input.uid, input.reason) : undefined;
      if (!location) throw refuse(context.locals, 'NOT_FOUND', 'error.serviceSignIn.gone');
      return { redirect: location };
    },
  }),
};
