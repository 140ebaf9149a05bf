import type { APIRoute } from 'astro';
import { mayRegister, registrationOptions } from '#server/identity/passkeys.ts';
import { ok, refused, rp } from './_shared.ts';

export const prerender = false;

/** Step one of adding a passkey: the options for navigator.credentials.create. */
export const POST: APIRoute = async (context) => {
  const { user, session, app } = context.locals;
  if (!user || !session) return refused(401, 'passkey.error.signedOut');
  if (!(await mayRegister(app.db, session))) return refused(403, 'passkey.error.needsSecondFactor');
  return ok(await registrationOptions(app.db, user, rp(context), app.clock));
};
