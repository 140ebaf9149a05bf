import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationFields, applyOverHttp } from '../helpers/application.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('the request log', () => {
  let t: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('holds no capability token from an application journey: status page and PDFs', async () => {
    const { submit } = await applyOverHttp(server.url, applicationFields(), ['YH', 'KK']);
    expect(submit!.status).toBe(303);
    const status = submit!.headers.get('location')!.replace(/\?.*$/, '');
    const token = status.split('/')[3];
    expect(token.length).toBeGreaterThanOrEqual(20);
    const page = await (await fetch(`${server.url}${status}`)).text();
    for (const [, href] of page.matchAll(/href="([^"]+\.pdf)"/g)) expect((await fetch(`${server.url}${href}`)).status).toBe(200);
    await fetch(`${server.url}${status}/finns-inte.pdf`);

    await expect.poll(() => server.output()).toMatch(/"path":"\/ansok\/status\/:token\/ansokan\.pdf"/);
    expect(server.output()).not.toContain(token);
  });

  it('refuses a public response that would carry a cookie: a stale session cookie makes it private', async () => {
    const response = await fetch(`${server.url}/handbok/tyck-till`, { headers: { Cookie: 'sid=1.inte-en-giltig-session' } });
    const api = await fetch(`${server.url}/api/v1/publiceringar`, { headers: { Cookie: 'sid=1.inte-en-giltig-session' } });
    for (const answer of [response, api]) {
      if (answer.headers.getSetCookie().length) expect(answer.headers.get('cache-control') ?? '').not.toMatch(/\bpublic\b/);
    }
    expect(api.headers.getSetCookie().join()).toMatch(/^sid=[^;]*;.*Expires=Thu, 01 Jan 1970/);
    expect(api.headers.get('cache-control')).toBe('no-store'); // the front server's guard, for every route
    expect((await fetch(`${server.url}/api/v1/publiceringar`)).headers.get('cache-control')).toMatch(/\bpublic\b/);
  });
});
