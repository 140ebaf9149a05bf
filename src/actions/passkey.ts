import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { sessionOf, userOf } from '#web/access.ts';
import { loginContext } from '#web/request-context.ts';
import { removePasskey } from '#server/identity/passkeys.ts';

/** Passkeys without JavaScript: removing one (adding one needs the browser's WebAuthn, see /api/passkey). */
export const passkey = {
  remove: defineAction({
    accept: 'form',
    input: z.object({ id: z.string().min(1).max(1400) }),
    handler: async (input, context) => {
      const user = userOf(context.locals);
      const session = sessionOf(context.locals);
      const { app } = context.locals;
      const client = loginContext(context.locals, context.clientAddress).client;
      const outcome = await removePasskey(app.db, user, session, input.id, app.config, app.clock, client);
      if (outcome === 'notFound') throw new ActionError({ code: 'NOT_FOUND', message: 'passkey.error.notFound' });
      if (outcome === 'needsSecondFactor') throw new ActionError({ code: 'FORBIDDEN', message: 'passkey.error.needsSecondFactor' });
      if (outcome === 'lastRequired') throw new ActionError({ code: 'CONFLICT', message: 'passkey.error.lastRequired' });
      return { redirect: '/mina-tjanster/sakerhet/passkeys?borttagen=1' };
    },
  }),
};
