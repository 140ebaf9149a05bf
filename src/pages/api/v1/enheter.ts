import type { APIRoute } from 'astro';
import { appClock } from '../../../lib/server/clock.ts';
import { config } from '../../../lib/server/config.ts';
import { db } from '../../../lib/server/database.ts';
import { answer } from '../../../lib/server/register-api.ts';
import { loginContext } from '../../../lib/server/request-context.ts';

export const prerender = false;

export const GET: APIRoute = async ({ request, clientAddress }) =>
  await answer(db(), request, 'enheter', loginContext(request, clientAddress).address, appClock(), config().apiClientLimit, config().apiCacheBytes);
