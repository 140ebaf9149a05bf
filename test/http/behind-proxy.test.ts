import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';

const PASSWORD = 'ett lösenord bakom en proxy';
const PUBLIC = 'https://portal.example';

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request with exactly the headers a TLS-terminating proxy would pass on. */
function send(
  server: TestServer,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean },
): Promise<Sent> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { Host: 'portal.example', 'X-Forwarded-Proto': 'https', ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.chunked) req.setHeader('Transfer-Encoding', 'chunked');
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const loginForm = (username: string, password: string, extra: Record<string, string> = {}) => ({
  method: 'POST',
  path: '/logga-in?_action=auth.login',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: PUBLIC, 'Sec-Fetch-Site': 'same-origin', ...extra },
  body: new URLSearchParams({ username, password }).toString(),
});

describe('behind a TLS-terminating proxy', () => {
  let t: TestDatabase;
  let hops: TestServer;
  let direct: TestServer;
  const production = { APP_MODE: 'production', SMTP_URL: 'smtp://127.0.0.1:9', PUBLIC_URL: PUBLIC, SECRET_KEY: 'x'.repeat(40) };
  beforeAll(async () => {
    t = await freshDatabase();
    [hops, direct] = await Promise.all([
      startServer({ ...production, DATABASE_URL: t.url, TRUST_PROXY: '1', LOGIN_CLIENT_LIMIT: '5', LOG_LEVEL: 'info' }),
      startServer({ ...production, DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '5' }),
    ]);
    await createMember(t.db, { username: 'px0001', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
  });
  afterAll(async () => {
    await Promise.all([hops?.stop(), direct?.stop()]);
    await t?.drop();
  });

  it('takes a login form whose Origin is PUBLIC_URL although the socket is plain http', async () => {
    const response = await send(hops, loginForm('px0001', PASSWORD, { 'X-Forwarded-For': '203.0.113.10' }));
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/mina-tjanster');
    expect(String(response.headers['set-cookie'])).toMatch(/^__Host-sid=.*; Secure/);
  });

  it.each([['https://angripare.example'], ['http://portal.example'], ['null']])('refuses the same form from Origin %s with 403', async (origin) => {
    const response = await send(hops, loginForm('px0001', PASSWORD, { Origin: origin, 'X-Forwarded-For': '203.0.113.11' }));
    expect(response.status).toBe(403);
    expect(response.body).toContain('Förfrågan stoppades');
  });

  it('refuses a form whose Origin is the socket address rather than PUBLIC_URL', async () => {
    const response = await send(hops, loginForm('px0001', PASSWORD, { Origin: hops.url, 'X-Forwarded-For': '203.0.113.12' }));
    expect(response.status).toBe(403);
  });

  it('gives a forged X-Forwarded-Host no say: the origin stays PUBLIC_URL', async () => {
    const response = await send(
      hops,
      loginForm('px0001', PASSWORD, { Origin: 'https://angripare.example', 'X-Forwarded-Host': 'angripare.example', 'X-Forwarded-For': '203.0.113.13' }),
    );
    expect(response.status).toBe(403);
  });

  it('counts the rightmost untrusted hop: a varying leftmost X-Forwarded-For still meets LOGIN_CLIENT_LIMIT', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const spoofed = `10.${i}.${i}.${i}, 198.51.100.7`;
      statuses.push((await send(hops, loginForm(`zz${1000 + i}`, 'fel lösenord fel lösenord', { 'X-Forwarded-For': spoofed }))).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // Another client behind the same proxy is not held back by that one.
    const other = await send(hops, loginForm('zz2000', 'fel lösenord fel lösenord', { 'X-Forwarded-For': '10.0.0.1, 198.51.100.8' }));
    expect(other.status).toBe(401);
  });

  it('writes the resolved client address, truncated, into the audit log', async () => {
    await send(hops, loginForm('px0001', PASSWORD, { 'X-Forwarded-For': '192.0.2.200, 203.0.113.77' }));
    const rows = await t.db.selectFrom('audit_event').select('client').where('event', '=', 'login.succeeded').execute();
    expect(rows.map((row) => row.client)).toContain('203.0.113.0');
    expect(rows.map((row) => row.client)).not.toContain('192.0.2.0');
  });

  it('ignores X-Forwarded-For entirely when TRUST_PROXY is not set', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await send(direct, loginForm(`yy${1000 + i}`, 'fel lösenord fel lösenord', { 'X-Forwarded-For': `198.51.100.${i}` }))).status);
    }
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });

  it('answers a chunked body over the limit with 413, like a sized one', async () => {
    const big = 'a='.concat('x'.repeat(300 * 1024));
    const chunked = await send(hops, {
      method: 'POST',
      path: '/logga-in?_action=auth.login',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: PUBLIC },
      body: big,
      chunked: true,
    });
    expect(chunked.status).toBe(413);
    expect(chunked.body).toContain('För mycket data');
    const sized = await send(hops, {
      method: 'POST',
      path: '/logga-in?_action=auth.login',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: PUBLIC, 'Content-Length': String(big.length) },
      body: big,
    });
    expect(sized.status).toBe(413);
  });

  it('refuses a NUL byte in a form field, a page query and an API query with 400, and logs no stack trace', async () => {
    const form = await send(hops, {
      ...loginForm('px0001', 'lösen\u0000ord lösenord'),
      headers: { ...loginForm('', '').headers, 'X-Forwarded-For': '203.0.113.20' },
    });
    expect(form.status).toBe(400);
    expect(form.body).toContain('nolltecken');
    const page = await send(hops, { path: '/register?q=%00' });
    expect(page.status).toBe(400);
    expect(page.body).toContain('nolltecken');
    const api = await send(hops, { path: '/api/v1/organisationer?q=%00' });
    expect(api.status).toBe(400);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(api.body)).toMatchObject({ status: 400 });
    expect(hops.output()).not.toMatch(/\n\s+at /);
  });

  it.each([['/mina-tjanster\r\nSet-Cookie: x=1'], ['/\t/angripare.example'], ['/\\angripare.example'], ['//angripare.example'], ['/mina-tjanster\u0007']])(
    'ignores the unsafe next address %j after a login and never answers 500',
    async (next) => {
      const form = loginForm('px0001', PASSWORD, { 'X-Forwarded-For': '203.0.113.30' });
      const response = await send(hops, { ...form, body: new URLSearchParams({ username: 'px0001', password: PASSWORD, next }).toString() });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/mina-tjanster');
    },
  );
});
