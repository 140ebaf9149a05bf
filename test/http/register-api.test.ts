import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../src/lib/server/register-openapi.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { pageText } from '../helpers/forms.ts';
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
    server = await startServer({ DATABASE_URL: t.url, CLOCK_OFFSET_FILE: clockFile });
    // The demo's organisation is published by the server's first chores run.
    for (let i = 0; i < 150 && (await get('/api/v1/organisationer')).status !== 200; i++) await new Promise((resolve) => setTimeout(resolve, 100));
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
    expect(body.organisationer).toContainEqual({ organisationsnummer: '556600-1235', namn: 'Demoskolan AB', ort: 'Exempelstad', omraden: ['KK', 'YH'], uppgifter_bekraftade: null });
    const units = await (await get('/api/v1/enheter?q=demoskolan&per_sida=1&sida=2')).json();
    expect(matches('Enhetssida', units)).toEqual([]);
    expect(units.totalt).toBe(2);
    expect(units.enheter).toHaveLength(1);
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

  it('lets clients cache until the next publication and answers a conditional request with 304', async () => {
    const first = await get('/api/v1/enheter?per_sida=5');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"\d+-[\w-]+"$/);
    expect(first.headers.get('last-modified')).toBeTruthy();
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
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
    const run = spawnPublish();
    expect(run.status, run.stderr).toBe(0);
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
    expect(text.split('\r\n')[0]).toBe('"organisationsnummer";"organisation";"enhet";"huvudorganisation";"utdelningsadress";"postnummer";"ort"');
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

  function spawnPublish() {
    return spawnSync(process.execPath, ['src/cli/admin.ts', 'publicera-register'], { encoding: 'utf8', env: { PATH: process.env.PATH, APP_MODE: 'demo', DATABASE_URL: t.url, CLOCK_OFFSET_FILE: clockFile } });
  }
});
