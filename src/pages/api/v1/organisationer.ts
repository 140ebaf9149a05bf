import type { APIRoute } from 'astro';
import { answer } from '#server/register/api.ts';
import { t } from '#web/i18n.ts';
import { loginContext } from '#web/request-context.ts';

export const prerender = false;

export const GET: APIRoute = async ({ locals, request, clientAddress }) =>
  await answer(
    locals.app.db,
    request,
    'organisationer',
    loginContext(locals, clientAddress).address,
    locals.app.clock,
    locals.app.config.apiClientLimit,
    locals.app.config.apiCache,
    t,
  );
