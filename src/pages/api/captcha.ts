import type { APIRoute } from 'astro';
import { createCaptcha } from '../../lib/server/captcha.ts';
import { appClock } from '../../lib/server/clock.ts';
import { config } from '../../lib/server/config.ts';

export const prerender = false;

/** A fresh, signed proof-of-work challenge for the kiosk's forms. */
export const GET: APIRoute = async () =>
  Response.json(await createCaptcha(config().secretKey, appClock()), { headers: { 'Cache-Control': 'no-store' } });
