import type { APIRoute } from 'astro';
import { OPENAPI_DOCUMENT } from '#server/register/openapi.ts';

export const prerender = false;

export const GET: APIRoute = () =>
  Response.json(OPENAPI_DOCUMENT, {
    headers: { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin', 'Cache-Control': 'public, max-age=3600' },
  });
