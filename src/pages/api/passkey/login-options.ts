import type { APIRoute } from 'astro';
import { authenticationOptions } from '#server/identity/passkeys.ts';
import { ok, rp, throttled } from './_shared.ts';

export const prerender = false;

/** Step one of logging in with a passkey alone: options that let the browser offer any passkey for this site. */
export const POST: APIRoute = async (context) => {
  const limited = await throttled(context, 'passkey-options');
  if (limited) return limited;
  const { app } = context.locals;
  return ok(await authenticationOptions(app.db, 'login', rp(context), app.clock));
};
