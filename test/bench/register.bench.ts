/** The open API against a register of 5 000 organisations: a page of 100 units, 16 clients. */
import path from 'node:path';
import { systemClock } from '#server/platform/clock.ts';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { publishRegister } from '#server/register/publication.ts';
import { freePort } from '../helpers/ports.ts';
import { startServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const ORGANISATIONS = 5000;
const CLIENTS = 16;
const SECONDS = 8;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-register');
  const cluster = await startEmbeddedPostgres({ dir: path.join(dir.path, 'pg'), port: await freePort(), database: 'bench', fast: true });
  const db = createDb(cluster.url, 4);
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

    const server = await startServer({ DATABASE_URL: cluster.url, LOG_LEVEL: 'silent', API_CLIENT_LIMIT: '10000000' });
    try {
      for (const [label, query] of [
        ['page 1', 'sida=1'],
        ['page 50', 'sida=50'],
        ['search', 'q=skola%2012&sida=1'],
      ]) {
        const durations: number[] = [];
        const end = performance.now() + SECONDS * 1000;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            while (performance.now() < end) {
              const t0 = performance.now();
              const response = await fetch(`${server.url}/api/v1/enheter?per_sida=100&${query}`);
              await response.arrayBuffer();
              if (response.status !== 200) throw new Error(`API answered ${response.status}`);
              durations.push(performance.now() - t0);
            }
          }),
        );
        const rate = durations.length / ((performance.now() - started) / 1000);
        console.log(
          `GET /api/v1/enheter?per_sida=100 (${label}, ${CLIENTS} clients): ${rate.toFixed(0)} req/s, p95 ${percentile(durations, 0.95).toFixed(1)} ms (goal ≥ 2 000 req/s)`,
        );
      }
      // Distinct queries, so that nearly every one misses the in-memory answers and reaches Postgres.
      let counter = 0;
      const durations: number[] = [];
      const end = performance.now() + SECONDS * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < end) {
            const n = counter++;
            const t0 = performance.now();
            const response = await fetch(`${server.url}/api/v1/enheter?per_sida=${100 + (n % 400)}&sida=${1 + Math.floor(n / 400)}`);
            await response.arrayBuffer();
            durations.push(performance.now() - t0);
          }
        }),
      );
      console.log(
        `GET /api/v1/enheter, distinct uncached queries (${CLIENTS} clients): ${(durations.length / ((performance.now() - started) / 1000)).toFixed(0)} req/s, p95 ${percentile(durations, 0.95).toFixed(1)} ms`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    await db.destroy();
    await cluster.stop();
    dir.remove();
  }
}
