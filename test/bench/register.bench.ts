/**
 * The open API over a publication of 5 000 organisations (10 000 units), 16 clients:
 * cached answers, then UNCACHED ones (a server whose answer cache holds 1 MB, asked a
 * cycle of distinct queries longer than that cache holds, so every answer is built)
 * beside a minimal node:http + pg handler sending the same SQL. Then resident memory
 * after 10 000 distinct API requests.
 */
import path from 'node:path';
import { systemClock } from '#server/platform/clock.ts';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { publishRegister } from '#server/register/publication.ts';
import { freePort } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { check, compare, ratio, http, memory, startPortal, startProcess } from './lib.ts';

const ORGANISATIONS = 5000;
const CLIENTS = 16;

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-register');
  const pgDir = path.join(dir.path, 'pg');
  const cluster = await startEmbeddedPostgres({ dir: pgDir, port: await freePort(), database: 'bench', fast: true });
  const db = createDb(cluster.url, 4);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    await migrateToLatest(db);
    const now = new Date();
    for (let start = 0; start < ORGANISATIONS; start += 1000) {
      const orgs = await db
        .insertInto('organisation')
        .values(
          Array.from({ length: 1000 }, (_, i) => ({
            org_number: String(5_500_000_000 + start + i),
            name: `Anordnare ${start + i} AB`,
            city: `Ort ${(start + i) % 290}`,
            created_at: now,
          })),
        )
        .returning('id')
        .execute();
      await db
        .insertInto('unit')
        .values(
          orgs.flatMap((org, i) => [
            { organisation_id: org.id, name: `Anordnare ${start + i} AB`, is_main: true, city: `Ort ${(start + i) % 290}`, created_at: now },
            { organisation_id: org.id, name: `Skola ${start + i}`, is_main: false, city: `Ort ${(start + i) % 290}`, created_at: now },
          ]),
        )
        .execute();
      await db
        .insertInto('organisation_area')
        .values(orgs.map((org) => ({ organisation_id: org.id, area_key: 'YH', approved_at: now })))
        .execute();
    }
    const { publication } = await publishRegister(db, systemClock);
    console.log(`register: ${publication.organisations} organisations, ${publication.units} units`);

    const env = { DATABASE_URL: cluster.url, API_CLIENT_LIMIT: '10000000' };
    const cachedServer = await startPortal(env, path.join(dir.path, 'cached.log'));
    stops.push(() => cachedServer.stop());
    const uncachedServer = await startPortal({ ...env, API_CACHE_MB: '1' }, path.join(dir.path, 'uncached.log'));
    stops.push(() => uncachedServer.stop());
    const peer = await startProcess('test/bench/peers/register-server.ts', { DATABASE_URL: cluster.url }, path.join(dir.path, 'peer.log'), '/?sida=1');
    stops.push(() => peer.stop());
    memory('portal at idle (register bench)', uncachedServer.pid);

    const get = async (url: string) => {
      const reply = await http(url);
      if (reply.status !== 200) throw new Error(`${url} answered ${reply.status}: ${reply.body.toString().slice(0, 200)}`);
    };
    // Distinct queries: page 50 at 100 page sizes (100…199 units a page, 25–50 kB each), and 5 000 distinct searches.
    const page50 = (n: number) => `/api/v1/enheter?sida=50&per_sida=${100 + (n % 100)}`;
    const search = (n: number) => `/api/v1/enheter?per_sida=100&q=skola%20${(n * 7919) % ORGANISATIONS}`;
    const peerPath = (apiPath: string) => apiPath.replace('/api/v1/enheter', '/');
    const pg = { pgDir };

    await compare('register API, cached answers', [
      {
        name: 'ours: page 1',
        clients: CLIENTS,
        work: () => get(`${cachedServer.url}/api/v1/enheter?per_sida=100&sida=1`),
        pids: { server: cachedServer.pid },
        ...pg,
      },
      {
        name: 'ours: page 50',
        clients: CLIENTS,
        work: () => get(`${cachedServer.url}/api/v1/enheter?per_sida=100&sida=50`),
        pids: { server: cachedServer.pid },
        ...pg,
      },
      {
        name: 'ours: search',
        clients: CLIENTS,
        work: () => get(`${cachedServer.url}/api/v1/enheter?per_sida=100&q=skola%2012`),
        pids: { server: cachedServer.pid },
        ...pg,
      },
    ]);
    const [ours50, peer50] = await compare('register API, uncached page 50', [
      {
        name: 'ours: page 50, distinct page sizes',
        clients: CLIENTS,
        work: (_, n) => get(`${uncachedServer.url}${page50(n)}`),
        pids: { server: uncachedServer.pid },
        ...pg,
      },
      {
        name: 'node:http + pg: the same queries',
        clients: CLIENTS,
        work: (_, n) => get(`${peer.url}${peerPath(page50(n))}`),
        pids: { server: peer.pid },
        ...pg,
      },
    ]);
    const [oursSearch, peerSearch] = await compare('register API, uncached search', [
      {
        name: 'ours: distinct searches',
        clients: CLIENTS,
        work: (_, n) => get(`${uncachedServer.url}${search(n)}`),
        pids: { server: uncachedServer.pid },
        ...pg,
      },
      {
        name: 'node:http + pg: the same queries',
        clients: CLIENTS,
        work: (_, n) => get(`${peer.url}${peerPath(search(n))}`),
        pids: { server: peer.pid },
        ...pg,
      },
    ]);
    check('3. uncached page 50', `${ours50.median.toFixed(0)} req/s`, '≥ 2 000 req/s', ours50.median >= 2000);
    check('3. uncached page 50 / node:http + pg', `${(ratio(ours50, peer50) * 100).toFixed(0)} %`, '≥ 80 %', ratio(ours50, peer50) >= 0.8);
    check('3. uncached search', `${oursSearch.median.toFixed(0)} req/s`, '≥ 2 000 req/s', oursSearch.median >= 2000);
    check('3. uncached search / node:http + pg', `${(ratio(oursSearch, peerSearch) * 100).toFixed(0)} %`, '≥ 80 %', ratio(oursSearch, peerSearch) >= 0.8);

    // 10 000 distinct API requests against the default cache (16 MB): pages, sizes, searches and cities.
    const distinct = (n: number) => {
      switch (n % 4) {
        case 0:
          return `/api/v1/enheter?sida=${1 + (n % 97)}&per_sida=${1 + (Math.floor(n / 4) % 500)}`;
        case 1:
          return `/api/v1/enheter?q=anordnare%20${Math.floor(n / 4)}`;
        case 2:
          return `/api/v1/organisationer?sida=${1 + (n % 50)}&per_sida=${1 + (Math.floor(n / 4) % 200)}`;
        default:
          return `/api/v1/organisationer?ort=Ort%20${n % 290}&per_sida=${1 + (Math.floor(n / 4) % 100)}`;
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < 10_000) await get(`${cachedServer.url}${distinct(next++)}`);
      }),
    );
    memory('portal after 10 000 distinct API requests (default 16 MB answer cache)', cachedServer.pid);
    const worst = Math.max(
      memory('portal after the register bench (cached server)', cachedServer.pid),
      memory('portal after the register bench (1 MB cache)', uncachedServer.pid),
    );
    check('5. resident memory after 10 000 distinct API requests and the register bench', `${worst.toFixed(0)} MB`, '≤ 300 MB', worst <= 300);
  } finally {
    for (const stop of stops.reverse()) await stop();
    await db.destroy();
    await cluster.stop();
    if (process.env.BENCH_KEEP_LOGS) console.log(`logs kept in ${dir.path}`);
    else dir.remove();
  }
}
