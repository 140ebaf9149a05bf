/**
 * Login throughput beside raw argon2id on the same machine in the same run, and the
 * cost of the session check that every signed-in page pays.
 */
import path from 'node:path';
import { systemClock } from '#server/platform/clock.ts';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { hashPassword, verifyPassword } from '#server/identity/password.ts';
import { createSession, validateSession } from '#server/identity/session.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { findUserById, insertUser, type User } from '#server/identity/users.ts';
import { freePort } from '../helpers/ports.ts';
import { startServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const CLIENTS = 16;
const SECONDS = 8;
const PASSWORD = 'ett lösenord för mätningen';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

/** Runs `work` from `clients` loops for `seconds`; returns the count per second and each duration. */
async function load(clients: number, seconds: number, work: (client: number) => Promise<void>) {
  const durations: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await work(client);
        durations.push(performance.now() - t0);
      }
    }),
  );
  return { perSecond: durations.length / ((performance.now() - started) / 1000), durations };
}

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-login');
  const cluster = await startEmbeddedPostgres({ dir: path.join(dir.path, 'pg'), port: await freePort(), database: 'bench', fast: true });
  const db = createDb(cluster.url, 10);
  try {
    await migrateToLatest(db);
    const org = await db
      .insertInto('organisation')
      .values({ org_number: '5569998887', name: 'Mätskolan AB', created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hash = await hashPassword(PASSWORD);
    const users: User[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      users.push(
        await insertUser(
          db,
          {
            username: `bm${String(i).padStart(4, '0')}`,
            kind: 'member',
            organisationId: org.id,
            firstName: 'Mät',
            lastName: 'Användare',
            email: `bm${i}@matskolan.example`,
            passwordHash: hash,
            passwordChangedAt: new Date(),
            termsVersion: CURRENT_TERMS_VERSION,
          },
          new Date(),
        ),
      );
    }

    const raw = await load(CLIENTS, SECONDS, async () => {
      await verifyPassword(hash, PASSWORD);
    });
    console.log(`argon2id verify, raw (${CLIENTS} concurrent): ${raw.perSecond.toFixed(1)}/s, p95 ${percentile(raw.durations, 0.95).toFixed(1)} ms`);

    const server = await startServer({ DATABASE_URL: cluster.url, LOGIN_CLIENT_LIMIT: '100000', LOG_LEVEL: 'silent' });
    try {
      const login = await load(CLIENTS, SECONDS, async (client) => {
        const response = await fetch(`${server.url}/logga-in?_action=auth.login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
          body: new URLSearchParams({ username: users[client].username, password: PASSWORD }).toString(),
        });
        if (response.status !== 303) throw new Error(`login answered ${response.status}`);
        await response.arrayBuffer();
      });
      console.log(
        `POST /logga-in (${CLIENTS} clients, successful logins): ${login.perSecond.toFixed(1)}/s, p95 ${percentile(login.durations, 0.95).toFixed(1)} ms`,
      );
      console.log(`login endpoint / raw argon2id: ${((login.perSecond / raw.perSecond) * 100).toFixed(0)} % (goal ≥ 85 %)`);
    } finally {
      await server.stop();
    }

    const limits = { idleMs: 20 * 60_000, absoluteMs: 8 * 3600_000 };
    const { token } = await createSession(db, users[0].id, systemClock, limits);
    const checks: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const t0 = performance.now();
      const check = await validateSession(db, token, limits, systemClock, true);
      if (check.session) await findUserById(db, check.session.userId);
      checks.push(performance.now() - t0);
    }
    console.log(
      `session check (validate + load user), 3000 sequential: median ${percentile(checks, 0.5).toFixed(2)} ms, p95 ${percentile(checks, 0.95).toFixed(2)} ms (goal ≤ 2 ms)`,
    );
  } finally {
    await db.destroy();
    await cluster.stop();
    dir.remove();
  }
}
