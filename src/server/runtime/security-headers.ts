import { createHash } from 'node:crypto';

/**
 * The headers every response carries, static or on demand, page or error. Scripts and
 * styles come only from our own origin: no inline code, so no `unsafe-inline`.
 */
export function securityHeaders(secure: boolean, inlineScriptHashes: string[] = [], formOrigins: string[] = []): Record<string, string> {
  const csp = [
    "default-src 'self'",
    // 'wasm-unsafe-eval' lets the handbook search compile its WebAssembly; it allows no script eval.
    ["script-src 'self' 'wasm-unsafe-eval'", ...inlineScriptHashes.map((hash) => `'${hash}'`)].join(' '),
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    // A form here may end, through redirects, at an e-service that signs in through the
    // portal (its redirect URI), and browsers hold every step of that chain to form-action.
    ["form-action 'self'", ...formOrigins].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    ...(secure ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(secure ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * The SHA-256 hashes of the inline scripts in the prerendered pages (Astro's loader for
 * server islands), so that exactly those scripts run and no other inline script can.
 */
export function inlineScriptHashes(html: string[]): string[] {
  const hashes = new Set<string>();
  for (const page of html) {
    for (const match of page.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
      if (match[1].trim()) hashes.add(`sha256-${createHash('sha256').update(match[1]).digest('base64')}`);
    }
  }
  return [...hashes].sort();
}

/** Hashed build assets never change under their name; everything else is revalidated soon. */
export function staticCacheControl(pathname: string): string {
  return pathname.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'public, max-age=300';
}

/** Responses rendered on demand may depend on a session: never stored unless a route says otherwise. */
export const DYNAMIC_CACHE_CONTROL = 'no-store';
