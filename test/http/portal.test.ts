import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('the portal over HTTP (demo mode)', () => {
  let t: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('serves the start page in Swedish, linking to the three journeys', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<html lang="sv">');
    expect(html).toContain('<h1>Anordnarportalen</h1>');
    expect(html).toContain('Demomyndigheten för utbildning');
    for (const href of ['/handbok', '/ansok', '/logga-in']) expect(html).toContain(`href="${href}"`);
    expect(html).toContain('Till huvudinnehållet');
  });

  it('serves prerendered pages compressed when the client accepts it, and 304 when it already has them', async () => {
    const plain = await fetch(`${server.url}/handbok/logga-in`, { headers: { 'Accept-Encoding': 'identity' } });
    const etag = plain.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const html = await plain.text();
    const compressed = await fetch(`${server.url}/handbok/logga-in`, { headers: { 'Accept-Encoding': 'br, gzip' } });
    expect(compressed.headers.get('content-encoding')).toBe('br');
    expect(await compressed.text()).toBe(html);
    const again = await fetch(`${server.url}/handbok/logga-in`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers HEAD with the headers of GET and no body, honours q=0 and answers a weak ETag with 304', async () => {
    const url = `${server.url}/handbok/logga-in`;
    const get = await fetch(url, { headers: { 'Accept-Encoding': 'gzip' } });
    const getBytes = await get.arrayBuffer();
    const head = await fetch(url, { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
    expect(head.status).toBe(200);
    for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'cache-control', 'content-security-policy'])
      expect(head.headers.get(name), name).toBe(get.headers.get(name));
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect(getBytes.byteLength).toBeGreaterThan(0);
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const notBrotli = await fetch(url, { headers: { 'Accept-Encoding': 'br;q=0, gzip' } });
    expect(notBrotli.headers.get('content-encoding')).toBe('gzip');
    const nothing = await fetch(url, { headers: { 'Accept-Encoding': '*;q=0' } });
    expect(nothing.status).toBe(200);
    expect(nothing.headers.get('content-encoding')).toBeNull();

    const weak = await fetch(url, { headers: { 'If-None-Match': `"annan", W/${get.headers.get('etag')}` } });
    expect(weak.status).toBe(304);
    expect((await weak.arrayBuffer()).byteLength).toBe(0);
    expect((await fetch(url, { headers: { 'If-None-Match': 'W/"annan"' } })).status).toBe(200);
  });

  it('answers an unknown address with the Swedish 404 page', async () => {
    const response = await fetch(`${server.url}/finns-inte/alls`);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain('Sidan finns inte');
    expect(html).toContain('<html lang="sv">');
  });

  it('reports itself and the database up at /healthz', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ status: 'ok', database: 'up' });
  });

  it('seeds the demo once and delivers its welcome mail through the outbox to the demo mailbox', async () => {
    await expect
      .poll(async () => (await fetch(`${server.url}/utveckling/epost`)).text(), { timeout: 10_000 })
      .toContain('Välkommen till Anordnarportalens demoläge');
    // The sender records the outcome right after the sink has the mail.
    await expect
      .poll(() => t.db.selectFrom('mail_outbox').select(['status', 'to_address']).where('to_address', '=', 'demo@demoskolan.example').execute())
      .toEqual([{ status: 'sent', to_address: 'demo@demoskolan.example' }]);
    const mail = await t.db.selectFrom('dev_mailbox').select('id').where('to_addresses', '=', 'demo@demoskolan.example').executeTakeFirstOrThrow();
    const page = await (await fetch(`${server.url}/utveckling/epost/${mail.id}`)).text();
    expect(page).toContain('Det här meddelandet skickades när demodatabasen skapades');
    expect((await fetch(`${server.url}/utveckling/epost/999999`)).status).toBe(404);
    expect((await fetch(`${server.url}/utveckling/epost/abc`)).status).toBe(404);
  });

  it('seeds demo people who can log in, and a new one whose one-time password is in the mailbox', async () => {
    const users = await t.db.selectFrom('app_user').select(['username', 'kind']).orderBy('username').execute();
    expect(users).toEqual([
      { username: 'ds1001', kind: 'member' },
      { username: 'ds1002', kind: 'member' },
      { username: 'ds1003', kind: 'member' },
      { username: 'hl1001', kind: 'staff' },
    ]);
    await expect
      .poll(async () => (await fetch(`${server.url}/utveckling/epost`)).text(), { timeout: 10_000 })
      .toContain('Ditt engångslösenord till Anordnarportalen');
  });

  it('refuses a cross-site POST with 403 and lets a same-origin one through', async () => {
    const post = (headers: Record<string, string>) => fetch(`${server.url}/logga-ut`, { method: 'POST', headers, redirect: 'manual' });
    const cross = await post({ Origin: 'https://angripare.example', 'Sec-Fetch-Site': 'cross-site' });
    expect(cross.status).toBe(403);
    expect(await cross.text()).toContain('Förfrågan stoppades');
    const same = await post({ Origin: server.url, 'Sec-Fetch-Site': 'same-origin' });
    expect(same.status).toBe(303);
    expect(same.headers.get('location')).toBe('/logga-in?utloggad=1');
  });

  it('changes nothing on GET: the health check writes no rows in any table', async () => {
    const counts = async () => {
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(t.db);
      const entries = await Promise.all(
        tables.rows.map(
          async ({ table_name }) =>
            [table_name, Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table_name)}`.execute(t.db)).rows[0].n)] as const,
        ),
      );
      return Object.fromEntries(entries);
    };
    const before = await counts();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['app_user', 'audit_event', 'mail_outbox', 'rate_limit', 'user_session']));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await counts()).toEqual(before);
  });
});
