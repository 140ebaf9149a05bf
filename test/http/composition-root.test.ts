import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const POOL_SIZE = 3;

/** One context per process: one pool, one logger whose lines name the request. */
describe('the composition root', () => {
  let t: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, DATABASE_POOL_SIZE: String(POOL_SIZE), LOG_LEVEL: 'info', LOGIN_CLIENT_LIMIT: '100000' });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  const portalConnections = async () =>
    Number(
      (
        await sql<{
          n: string;
        }>`select count(*) as n from pg_stat_activity where application_name = 'anordnarportalen' and datname = current_database()`.execute(t.db)
      ).rows[0].n,
    );

  it('holds at most DATABASE_POOL_SIZE connections however many requests come at once', async () => {
    let busiest = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        busiest = Math.max(busiest, await portalConnections());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const load = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0
        ? postForm(`${server.url}/logga-in?_action=auth.login`, { username: `pl${1000 + i}`, password: 'fel lösenord fel lösenord' }).then((r) =>
            r.arrayBuffer(),
          )
        : fetch(`${server.url}/${i % 3 === 1 ? 'register' : 'healthz'}`).then((r) => r.arrayBuffer()),
    );
    await Promise.all(load);
    sampling = false;
    await sampler;
    expect(busiest).toBeGreaterThan(0);
    expect(busiest).toBeLessThanOrEqual(POOL_SIZE);
  });

  it('writes the request id of the access line on every line logged inside an action', async () => {
    const response = await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'pl9999', password: 'fel lösenord fel lösenord' });
    expect(response.status).toBe(401);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const linesOf = () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes(requestId!))
        .map((line) => JSON.parse(line) as { msg: string; reqId: string });
    // The access line is written when the response has finished: wait for both.
    await expect
      .poll(() =>
        linesOf()
          .map((line) => line.msg)
          .sort(),
      )
      .toEqual(['login refused', 'request']);
    expect(linesOf().every((line) => line.reqId === requestId)).toBe(true);
  });
});
