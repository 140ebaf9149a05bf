import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '#server/register/openapi.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { pageText } from '../helpers/forms.ts';
import { publishWithCli, startRegisterServer } from '../helpers/register.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Checks an answer against the schema the OpenAPI document gives it. */
const ajv = new Ajv2020({ strict: false });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'api', components: OPENAPI_DOCUMENT.components });
const matches = (schema: string, body: unknown) => {
  const validate = ajv.getSchema(`api#/components/schemas/${schema}`)!;
  const ok = validate(body);
  return ok ? [] : validate.errors;
};

describe('the public register and its open API', () => {
  let t: TestDatabase;
  let server: TestServer;
  const clockDir = tempDir('register-clock');
  const clockFile = path.join(clockDir.path, 'offset');
  const get = (route: string, headers: Record<string, string> = {}) => fetch(`${server.url}${route}`, { headers });

  beforeAll(async () => {
    writeFileSync(clockFile, '0');
    t = await freshDatabase();
    server = await startRegisterServer(t.url, clockFile);
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    clockDir.remove();
  });

  it('serves an OpenAPI 3.1 document that a validator accepts', async () => {
    const document = await (await get('/api/v1/openapi.json')).json();
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('answers organisations and units in the shape the document promises, open to every origin', async () => {
    const organisations = await get('/api/v1/organisationer?per_sida=10');
    expect(organisations.headers.get('access-control-allow-origin')).toBe('*');
    const body = await organisations.json();
    expect(matches('Organisationssida', body)).toEqual([]);
    expect(body.organisationer).toContainEqual({
      organisationsnummer: '556600-1235',
      namn: 'Demoskolan AB',
      ort: 'Exempelstad',
      omraden: ['KK', 'YH'],
      uppgifter_bekraftade: null,
    });
    const units = await (await get('/api/v1/enheter?q=demoskolan&per_sida=1&sida=2')).json();
    expect(matches('Enhetssida', units)).toEqual([]);
    expect(units.totalt).toBe(2);
    expect(units.enheter).toHaveLength(1);
    // Every unit carries its enhetskod, and a caller's code finds its unit.
    const code = units.enheter[0].enhetskod;
    expect(code).toMatch(/^E\d{6}$/);
    const byCode = await (await get(`/api/v1/enheter?q=${code.toLowerCase()}`)).json();
    expect(byCode.enheter.map((unit: { enhetskod: string }) => unit.enhetskod)).toEqual([code]);
    expect(matches('Publiceringar', await (await get('/api/v1/publiceringar')).json())).toEqual([]);
  });

  it('answers bad parameters with 400 in the documented shape, never 500', async () => {
    for (const query of ['per_sida=0', 'per_sida=100000', 'sida=abc', 'publicering=igår', 'organisationsnummer=12']) {
      const response = await get(`/api/v1/enheter?${query}`);
      expect(response.status, query).toBe(400);
      expect(matches('Fel', await response.json())).toEqual([]);
    }
    const missing = await get('/api/v1/enheter?publicering=1999-01-01');
    expect(missing.status).toBe(404);
  });

  it('refuses an unknown parameter with 400 problem+json that names it, in Swedish', async () => {
    const response = await get('/api/v1/enheter?per_sida=5&cachebust=17');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const body = await response.json();
    expect(matches('Fel', body)).toEqual([]);
    expect(body.status).toBe(400);
    expect(body.title).toBe('Ogiltig fråga');
    expect(body.detail).toBe('Okänd parameter: cachebust. Tillåtna parametrar är sida, per_sida, q, ort, organisationsnummer, publicering.');
  });

  it('answers invalid parameter values with 400 problem+json, never 500', async () => {
    const queries = [
      'publicering=2026-13-45',
      'publicering=2026-02-30',
      'publicering=0000-01-01',
      'sida=-1',
      'sida=99999999999999999999',
      'per_sida=-5',
      'q=%00',
      'ort=a%00b',
      'organisationsnummer=556600-1235%00',
      'sida=1&sida=2',
    ];
    for (const query of queries) {
      for (const resource of ['enheter', 'organisationer']) {
        const response = await get(`/api/v1/${resource}?${query}`);
        expect(response.status, query).toBe(400);
        expect(response.headers.get('content-type'), query).toBe('application/problem+json; charset=utf-8');
        const body = await response.json();
        expect(matches('Fel', body), query).toEqual([]);
        // A NUL byte is refused by the front server for every route, before the API parses anything.
        expect(body.detail, query).toMatch(query.includes('%00') ? /nolltecken/ : /^Ogiltigt värde för (publicering|sida|per_sida|q|ort|organisationsnummer)/);
      }
    }
  });

  it('answers a NUL byte or another control character in the register search with 400 and a Swedish message on the page', async () => {
    for (const [query, message] of [
      ['q=%00', 'nolltecken'],
      ['ort=%00', 'nolltecken'],
      ['q=abc%00def', 'nolltecken'],
      ['q=abc%07def', 'Sökningen innehåller tecken som inte är tillåtna.'],
      ['ort=%1B', 'Sökningen innehåller tecken som inte är tillåtna.'],
    ]) {
      const response = await get(`/register?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(pageText(await response.text()), query).toContain(message);
    }
  });

  it('describes the 400 answer as problem+json in the OpenAPI document', async () => {
    const document = await (await get('/api/v1/openapi.json')).json();
    for (const path of ['/organisationer', '/enheter']) {
      const bad = document.paths[path].get.responses['400'];
      expect(Object.keys(bad.content)).toEqual(['application/problem+json']);
      expect(bad.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Fel' });
    }
    expect(document.components.schemas.Fel.required).toEqual(['type', 'title', 'status', 'detail']);
  });

  it('never sends Set-Cookie on a public answer of the register, even to a visitor with an old session cookie', async () => {
    const routes = [
      '/register',
      '/register?q=demo',
      '/register/enheter.csv',
      '/register/enheter.json',
      '/api/v1/organisationer',
      '/api/v1/enheter?per_sida=3',
      '/api/v1/publiceringar',
      '/api/v1/openapi.json',
    ];
    for (const route of routes) {
      const response = await get(route, { Cookie: 'sid=ended.0123456789abcdef0123456789abcdef' });
      expect(response.status, route).toBe(200);
      const cacheControl = response.headers.get('cache-control') ?? '';
      const setCookie = response.headers.getSetCookie();
      expect({ route, publicWithCookie: cacheControl.includes('public') && setCookie.length > 0 }).toEqual({ route, publicWithCookie: false });
      // Without the cookie the same route is public again.
      expect((await get(route)).headers.get('cache-control'), route).toMatch(/^public/);
    }
  });

  it('lets clients cache until the next publication and answers a conditional request with 304', async () => {
    const first = await get('/api/v1/enheter?per_sida=5');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"\d+-[\w-]+"$/);
    expect(first.headers.get('last-modified')).toBeTruthy();
    // Until the next midnight in Stockholm, when the next publication is due: that exact time, and the seconds left.
    const midnight = Temporal.Now.zonedDateTimeISO('Europe/Stockholm').toPlainDate().add({ days: 1 }).toZonedDateTime('Europe/Stockholm');
    expect(first.headers.get('expires')).toBe(new Date(midnight.epochMilliseconds).toUTCString());
    const maxAge = Number(/^public, max-age=(\d+)$/.exec(first.headers.get('cache-control') ?? '')?.[1]);
    expect(Math.abs(maxAge - (midnight.epochMilliseconds - Date.now()) / 1000)).toBeLessThan(5);
    const again = await get('/api/v1/enheter?per_sida=5', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/api/v1/enheter?per_sida=6', { 'If-None-Match': etag })).status).toBe(200);
  });

  it('shows a renamed unit under its old name until the next publication, then the new one', async () => {
    await t.db.updateTable('unit').set({ name: 'Demoskolan Konst och form' }).where('name', '=', 'Demoskolan Konstlinjen').execute();
    const names = async () => (await (await get('/api/v1/enheter?q=demoskolan')).json()).enheter.map((unit: { namn: string }) => unit.namn);
    expect(await names()).toContain('Demoskolan Konstlinjen');
    expect(pageText(await (await get('/register?q=konst')).text())).toContain('Demoskolan Konstlinjen');
    writeFileSync(clockFile, String(25 * 3600_000));
    publishWithCli(t.url, clockFile);
    // Each process looks for a newer publication every few seconds.
    await expect.poll(names, { timeout: 10_000, interval: 500 }).toContain('Demoskolan Konst och form');
    expect(pageText(await (await get('/register?q=konst')).text())).toContain('Demoskolan Konst och form');
  });

  it('offers the register as CSV and JSON downloads', async () => {
    const csv = await get('/register/enheter.csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="register-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    // A byte order mark, so that spreadsheet programs read å, ä and ö right.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text.split('\r\n')[0]).toBe('"organisationsnummer";"organisation";"enhet";"huvudorganisation";"utdelningsadress";"postnummer";"ort";"enhetskod"');
    expect(text).toContain('"556600-1235";"Demoskolan AB"');
    const json = await (await get('/register/enheter.json')).json();
    expect(json.enheter.length).toBeGreaterThan(0);
  });

  it('limits each client, counting the requests that reach the database', async () => {
    const limited = await startServer({ DATABASE_URL: t.url, API_CLIENT_LIMIT: '3', CLOCK_OFFSET_FILE: clockFile });
    try {
      // The count is per client across every process: start from this test's own requests.
      await t.db.deleteFrom('rate_limit').where('bucket', '=', 'api').execute();
      const statuses = [];
      for (let i = 1; i <= 5; i++) statuses.push((await fetch(`${limited.url}/api/v1/organisationer?per_sida=${10 + i}`)).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const refused = await fetch(`${limited.url}/api/v1/organisationer?per_sida=99`);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(matches('Fel', await refused.json())).toEqual([]);
    } finally {
      await limited.stop();
    }
  });
});
