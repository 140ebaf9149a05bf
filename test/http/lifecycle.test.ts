import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { freshDatabase, rowCount } from '../helpers/database.ts';
import { freePort } from '../helpers/ports.ts';
import { runStart, startServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** The postgres processes whose command line names `dir`. */
function postgresProcessesFor(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes('postgres') && line.includes(dir));
}

describe('starting and stopping', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterAll(() => {
    for (const dir of dirs) dir.remove();
  });

  it.each([
    [{ PORT: 'abc' }, /PORT="abc"/],
    [{ DATABASE_URL: 'http://db.example/x' }, /DATABASE_URL=/],
    [{ APP_MODE: 'production' }, /SMTP_URL=.*required/],
  ])('stops at once on a bad setting %o, naming the variable', async (env, message) => {
    const { code, output } = await runStart(env);
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('refuses to fall into demo mode on a real database: names APP_MODE and seeds no demo account', async () => {
    const t = await freshDatabase();
    try {
      const { code, output } = await runStart({ DATABASE_URL: t.url, SMTP_URL: 'smtp://127.0.0.1:9' });
      expect(code).toBe(2);
      expect(output).toMatch(/^\s*APP_MODE="": must be set/m);
      expect(output).toContain('APP_MODE=production');
      expect(await rowCount(t.db, 'app_user')).toBe(0);
    } finally {
      await t.drop();
    }
  });

  it('runs on embedded Postgres, leaves no postgres process after SIGTERM, and finds the same data on the next start', async () => {
    const data = tempDir('data');
    dirs.push(data);
    const env = { DATA_DIR: data.path, EMBEDDED_PG_PORT: String(await freePort()) };

    const first = await startServer(env, { timeoutMs: 90_000 });
    expect(await (await fetch(`${first.url}/healthz`)).json()).toEqual({ status: 'ok', database: 'up' });
    await expect.poll(async () => (await fetch(`${first.url}/utveckling/epost`)).text(), { timeout: 10_000 }).toContain('Välkommen');
    expect(postgresProcessesFor(data.path).length).toBeGreaterThan(0);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(postgresProcessesFor(data.path)).toEqual([]);

    const second = await startServer(env, { timeoutMs: 60_000 });
    try {
      const page = await (await fetch(`${second.url}/utveckling/epost`)).text();
      // The same single welcome mail: the data survived and the demo was not seeded again.
      expect(page.match(/Välkommen till Anordnarportalens demoläge/g)).toHaveLength(1);
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }
    expect(postgresProcessesFor(data.path)).toEqual([]);
  });

  it('reports the database down at /healthz with 503 when Postgres stops, and up again when it returns', async () => {
    const data = tempDir('health');
    dirs.push(data);
    const port = await freePort();
    const options = { dir: path.join(data.path, 'pg'), port, database: 'health', fast: true };
    let cluster = await startEmbeddedPostgres(options);
    const db = createDb(cluster.url, 1);
    await migrateToLatest(db);
    await db.destroy();
    const server = await startServer({ DATABASE_URL: cluster.url });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      await cluster.stop();
      const down = await fetch(`${server.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'degraded', database: 'down' });
      expect((await fetch(`${server.url}/`)).status).toBe(200);
      cluster = await startEmbeddedPostgres(options);
      await expect.poll(async () => (await fetch(`${server.url}/healthz`)).status, { timeout: 10_000 }).toBe(200);
    } finally {
      await server.stop();
      await cluster.stop();
    }
  });
});
