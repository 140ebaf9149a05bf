import type { APIRoute } from 'astro';
import { authenticationOptions, listPasskeys } from '#server/identity/passkeys.ts';
import { ok, refused, rp } from './_shared.ts';

export const prerender = false;

/** Step one of showing a passkey in a signed-in session: options that allow only the user's own passkeys. */
export const POST: APIRoute = async (context) => {
  const { user, session, app } = context.locals;
  if (!user || !session) return refused(401, 'passkey.error.signedOut');
  if ((await listPasskeys(app.db, user.id)).length === 0) return refused(400, 'passkey.error.noPasskey');
  return ok(await authenticationOptions(app.db, 'step_up', rp(context), app.clock, user.id));
};
