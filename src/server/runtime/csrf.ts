import type { IncomingHttpHeaders } from 'node:http';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a state-changing request comes from another site. Browsers send
 * `Sec-Fetch-Site` (and `Origin`) on every such request, whatever its content type;
 * Astro's own origin check covers form content types only. Requests without either
 * header come from programs, not from a victim's browser, and pass.
 */
export function isCrossSiteRequest(method: string, headers: IncomingHttpHeaders, allowedOrigins: string[]): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const site = headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  if (origin !== undefined && !allowedOrigins.includes(origin)) return true;
  return false;
}
