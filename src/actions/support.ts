import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { sendOneTimePassword, setUserActive, unlockUser, type Actor } from '#server/identity/accounts.ts';
import { userOf } from '#web/access.ts';
import { loginContext } from '#web/request-context.ts';
import { managedAtDesk } from '#server/back-office/support.ts';
import { findUserById, type User } from '#server/identity/users.ts';

/** The handläggare asking (the access rules let only them through), named in the audit log, and the user they act on. */
async function staffAndTarget(
  context: { locals: App.Locals; request: Request; clientAddress: string },
  userId: number,
): Promise<{ actor: Actor; target: User }> {
  const staff = userOf(context.locals);
  const target = await findUserById(context.locals.app.db, userId);
  if (!target) throw new ActionError({ code: 'NOT_FOUND', message: 'error.support.noUser' });
  if (!managedAtDesk(target)) throw new ActionError({ code: 'FORBIDDEN', message: 'error.support.staffAccount' });
  return { actor: { userId: staff.id, client: loginContext(context.locals, context.clientAddress).client }, target };
}

const userId = z.object({ user: z.coerce.number().int().positive() });

export const support = {
  unlock: defineAction({
    accept: 'form',
    input: userId,
    handler: async (input, context) => {
      const { actor, target } = await staffAndTarget(context, input.user);
      await unlockUser(context.locals.app.db, target, actor, context.locals.app.clock);
      return { redirect: `/handlaggning/anvandare/${target.id}?klart=upplast` };
    },
  }),

  sendOneTimePassword: defineAction({
    accept: 'form',
    input: userId,
    handler: async (input, context) => {
      const { actor, target } = await staffAndTarget(context, input.user);
      if (target.status !== 'active') throw new ActionError({ code: 'CONFLICT', message: 'error.support.inactive' });
      await context.locals.app.db.transaction().execute((trx) => sendOneTimePassword(trx, target, actor, context.locals.app.config, context.locals.app.clock));
      return { redirect: `/handlaggning/anvandare/${target.id}?klart=engangslosenord` };
    },
  }),

  setActive: defineAction({
    accept: 'form',
    input: userId.extend({ active: z.enum(['ja', 'nej']) }),
    handler: async (input, context) => {
      const { actor, target } = await staffAndTarget(context, input.user);
      await context.locals.app.db.transaction().execute((trx) => setUserActive(trx, target, input.active === 'ja', actor, context.locals.app.clock));
      return { redirect: `/handlaggning/anvandare/${target.id}?klart=${input.active === 'ja' ? 'aktiverad' : 'inaktiverad'}` };
    },
  }),
};
