import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/**
 * The passive rules of a baseline scan: a strict CSP, anti-clickjacking, nosniff, no
 * server version, no caching of pages rendered on demand, on every kind of response.
 */
function expectSecurityHeaders(headers: Headers, where: string) {
  const csp = headers.get('content-security-policy') ?? '';
  const directive = (name: string) =>
    csp
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${name} `));
  expect(directive('script-src'), where).toMatch(/^script-src 'self' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')*$/);
  expect(csp, where).not.toContain('unsafe-inline');
  expect(csp, where).not.toContain("'unsafe-eval'");
  expect(directive('object-src'), where).toBe("object-src 'none'");
  expect(directive('base-uri'), where).toBe("base-uri 'none'");
  expect(directive('frame-ancestors'), where).toBe("frame-ancestors 'none'");
  expect(directive('default-src'), where).toBe("default-src 'self'");
  expect(headers.get('x-frame-options'), where).toBe('DENY');
  expect(headers.get('x-content-type-options'), where).toBe('nosniff');
  expect(headers.get('referrer-policy'), where).toBe('strict-origin-when-cross-origin');
  expect(headers.get('permissions-policy'), where).toContain('camera=()');
  expect(headers.get('x-powered-by'), where).toBeNull();
  expect(headers.get('server'), where).toBeNull();
  expect(headers.get('x-request-id'), where).toMatch(/^[0-9a-f-]{36}$/);
}

async function routesOf(url: string): Promise<string[]> {
  const html = await (await fetch(`${url}/`)).text();
  const assets = [...html.matchAll(/(?:href|src)="(\/_astro\/[^"]+)"/g)].map((match) => match[1]);
  expect(assets.length).toBeGreaterThan(0);
  return ['/', '/favicon.svg', '/robots.txt', ...assets, '/healthz', '/utveckling/epost', '/finns-inte'];
}

describe('security headers', () => {
  let t: TestDatabase;
  let demo: TestServer;
  let production: TestServer;
  beforeAll(async () => {
    t = await freshDatabase();
    [demo, production] = await Promise.all([
      startServer({ DATABASE_URL: t.url }),
      startServer({
        APP_MODE: 'production',
        DATABASE_URL: t.url,
        SMTP_URL: 'smtp://127.0.0.1:9',
        PUBLIC_URL: 'https://portal.example',
        SECRET_KEY: 'x'.repeat(40),
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([demo?.stop(), production?.stop()]);
    await t?.drop();
  });

  it('are sent as HTTP headers on every route: static, on demand, asset and error', async () => {
    for (const route of await routesOf(demo.url)) {
      const response = await fetch(`${demo.url}${route}`);
      expectSecurityHeaders(response.headers, route);
    }
  });

  it('forbid caching of pages rendered on demand and let hashed assets be cached for a year', async () => {
    for (const route of ['/healthz', '/utveckling/epost', '/finns-inte']) {
      expect((await fetch(`${demo.url}${route}`)).headers.get('cache-control'), route).toBe('no-store');
    }
    const [asset] = (await routesOf(demo.url)).filter((route) => route.startsWith('/_astro/'));
    expect((await fetch(`${demo.url}${asset}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('leave out HSTS in demo mode and add it in production', async () => {
    expect((await fetch(`${demo.url}/`)).headers.get('strict-transport-security')).toBeNull();
    for (const route of ['/', '/healthz', '/finns-inte']) {
      const response = await fetch(`${production.url}${route}`);
      expectSecurityHeaders(response.headers, `production ${route}`);
      const hsts = response.headers.get('strict-transport-security') ?? '';
      expect(hsts).toContain('includeSubDomains');
      expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
    }
  });

  it('hide the demo mailbox in production', async () => {
    const response = await fetch(`${production.url}/utveckling/epost`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Sidan finns inte');
  });
});
