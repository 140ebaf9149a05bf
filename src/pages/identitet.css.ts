import type { APIRoute } from 'astro';
import { config } from '#server/platform/config.ts';

/**
 * The configured brand colour as the --color-brand token, made at build time into
 * dist/client/identitet.css. A file, not a <style> element or attribute: the
 * Content-Security-Policy allows styles only from our own origin. `:root:root` outranks
 * the default in tokens.css whatever order the stylesheets load in.
 */
export const GET: APIRoute = () =>
  new Response(`:root:root{--color-brand:${config().identity.brandColour}}\n`, { headers: { 'Content-Type': 'text/css; charset=utf-8' } });
