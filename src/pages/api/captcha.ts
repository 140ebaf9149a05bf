import type { APIRoute } from 'astro';
import { createCaptcha } from '#server/identity/captcha.ts';
import { appClock } from '#server/platform/clock.ts';
import { config } from '#server/platform/config.ts';

export const prerender = false;

/** A fresh, signed proof-of-work challenge for the kiosk's forms. */
export const GET: APIRoute = async () =>
  Response.json(await createCaptcha(config().secretKey, appClock()), { headers: { 'Cache-Control': 'no-store' } });
