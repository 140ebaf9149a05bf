import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '#server/platform/clock.ts';
import { publishRegister } from '#server/register/publication.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const MB = 1024 * 1024;
/** The i-th of 1 250 distinct valid queries, each answered with 250 to 499 units. */
const distinctPage = (i: number) => `/api/v1/enheter?per_sida=${250 + (i % 250)}&sida=${1 + Math.floor(i / 250)}`;

/** The server process's resident memory, as the kernel counts it. */
function residentBytes(server: TestServer): number {
  const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

/** Runs `count` requests, a few at a time, and returns the statuses seen. */
async function requestMany(server: TestServer, count: number, route: (i: number) => string): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const response = await fetch(`${server.url}${route(next++)}`);
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return statuses;
}

/**
 * The API keeps answers in memory. A query it does not know must not make it keep
 * anything, and however many distinct valid queries arrive, the answers kept stay within
 * API_CACHE_MB. The register here holds 3 000 units with long names, so one page of 500
 * is about 250 kB: a cache that kept every answer would grow by hundreds of megabytes.
 */
describe('the open API under many distinct queries', () => {
  let t: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    t = await freshDatabase();
    // Today's publication, with its long rows, made before the server starts: a publication
    // never changes once made, and the server reads each one once.
    const { publication } = await publishRegister(t.db, systemClock);
    await sql`
      insert into register_unit (publication_id, unit_id, org_number, name, is_main, postal_address, postal_code, city)
      select ${publication.id}, 1000000 + n, '5566001235', 'Demoskolan filial ' || n || ' ' || repeat('x', 300), false, 'Storgatan ' || n, '11122', 'Exempelstad'
      from generate_series(1, 3000) as n`.execute(t.db);
    server = await startServer({ DATABASE_URL: t.url, API_CLIENT_LIMIT: '10000000', API_CACHE_MB: '8' });
    // expect.poll only runs inside a test; vi.waitFor fails the setup with the last status if it never comes.
    await vi.waitFor(async () => expect((await fetch(`${server.url}/api/v1/enheter`)).status).toBe(200), { timeout: 15_000, interval: 100 });
    // Warm up with ordinary traffic that fills the cache: V8 grows its heap to the working size on the first
    // few hundred answers, and that growth is the same whatever the cache keeps.
    expect(Object.fromEntries(await requestMany(server, 600, distinctPage))).toEqual({ 200: 600 });
    // Refused requests take other code paths (problem answers, Swedish texts) and, answered
    // from memory, come fast enough that V8 grows its young generation for them: warm those too.
    await requestMany(server, 2_000, (i) => `/api/v1/enheter?warmup=${i}`);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('refuses 2 000 requests with unknown parameters and keeps nothing of them', async () => {
    const before = residentBytes(server);
    const statuses = await requestMany(server, 2_000, (i) => `/api/v1/enheter?per_sida=500&cachebust=${i}`);
    const grown = residentBytes(server) - before;
    console.info(`resident memory grew by ${(grown / MB).toFixed(1)} MB`);
    expect(grown / MB, 'MB grown').toBeLessThan(50);
    expect(Object.fromEntries(statuses)).toEqual({ 400: 2_000 });
  }, 300_000);

  it('keeps no more than API_CACHE_MB of answers to many distinct valid queries', async () => {
    const before = residentBytes(server);
    // 600 more distinct pages of 250 to 500 units, none asked before: some 120 MB of answers, against a bound of 8 MB.
    const statuses = await requestMany(server, 600, (i) => distinctPage(600 + i));
    const grown = residentBytes(server) - before;
    console.info(`resident memory grew by ${(grown / MB).toFixed(1)} MB`);
    expect(grown / MB, 'MB grown').toBeLessThan(50);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 600 });
  }, 300_000);
});
