import type { APIRoute } from 'astro';
import { appClock } from '#server/platform/clock.ts';
import { config } from '#server/platform/config.ts';
import { db } from '#server/platform/database.ts';
import { answer } from '#server/register/api.ts';
import { t } from '#web/i18n.ts';
import { loginContext } from '#web/request-context.ts';

export const prerender = false;

export const GET: APIRoute = async ({ request, clientAddress }) =>
  await answer(db(), request, 'organisationer', loginContext(request, clientAddress).address, appClock(), config().apiClientLimit, config().apiCacheBytes, t);
