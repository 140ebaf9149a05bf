import type { APIRoute } from 'astro';
import { createCaptcha } from '#server/identity/captcha.ts';

export const prerender = false;

/** A fresh, signed proof-of-work challenge for the kiosk's forms. */
export const GET: APIRoute = async ({ locals }) =>
  Response.json(await createCaptcha(locals.app.config.secretKey, locals.app.clock), { headers: { 'Cache-Control': 'no-store' } });
