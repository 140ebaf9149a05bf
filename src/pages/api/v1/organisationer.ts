import { registerListRoute } from '#web/register-route.ts';

export const prerender = false;

export const GET = registerListRoute('organisationer');
