/**
 * Sign-in and session checks beside their peers in one run: raw argon2id verifications
 * in this process, our POST /logga-in, better-auth's email sign-in (same argon2id, same
 * Postgres, node:http); then our GET /api/session beside better-auth's get-session, and
 * the middleware's own work for a signed-in page, measured without rendering.
 */
import path from 'node:path';
import pg from 'pg';
import { systemClock } from '#server/platform/clock.ts';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { hashPassword, verifyPassword } from '#server/identity/password.ts';
import { createSession, validateSessionWithUser } from '#server/identity/session.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser, type User } from '#server/identity/users.ts';
import { judge } from '#web/access.ts';
import { freePort } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { check, compare, ratio, http, memory, percentile, type Reply, results, startPortal, startProcess, type Target } from './lib.ts';

const CLIENTS = 16;

const cookiesOf = (reply: Reply) =>
  [reply.headers['set-cookie'] ?? []]
    .flat()
    .map((c) => c.split(';')[0])
    .join('; ');
const PASSWORD = 'ett lösenord för mätningen';

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-login');
  const pgDir = path.join(dir.path, 'pg');
  const cluster = await startEmbeddedPostgres({ dir: pgDir, port: await freePort(), database: 'bench', fast: true });
  const db = createDb(cluster.url, 4);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    await migrateToLatest(db);
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('create database betterauth');
    await admin.end();
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
    await db.updateTable('app_user').set({ terms_accepted_at: new Date() }).execute();

    const ours = await startPortal({ DATABASE_URL: cluster.url, LOGIN_CLIENT_LIMIT: '100000' }, path.join(dir.path, 'portal.log'));
    stops.push(() => ours.stop());
    memory('portal at idle (login bench)', ours.pid);
    const peerPort = await freePort();
    const peer = await startProcess(
      'test/bench/peers/better-auth-server.ts',
      { PORT: String(peerPort), DATABASE_URL: cluster.url.replace(/\/bench$/, '/betterauth'), BENCH_USERS: String(CLIENTS), BENCH_PASSWORD: PASSWORD },
      path.join(dir.path, 'better-auth.log'),
      '/api/auth/ok',
    );
    stops.push(() => peer.stop());

    const form = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ours.url };
    const signIn = async (client: number) => {
      const reply = await http(`${ours.url}/logga-in?_action=auth.login`, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ username: users[client].username, password: PASSWORD }).toString(),
      });
      if (reply.status !== 303) throw new Error(`login answered ${reply.status}`);
      return cookiesOf(reply);
    };
    const peerSignIn = async (client: number) => {
      const reply = await http(`${peer.url}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: peer.url },
        body: JSON.stringify({ email: `ba${client}@matskolan.example`, password: PASSWORD }),
      });
      if (reply.status !== 200) throw new Error(`better-auth sign-in answered ${reply.status}: ${reply.body}`);
      return cookiesOf(reply);
    };

    const pgPids = { pgDir };
    const [raw, login, baLogin] = await compare('sign-in', [
      { name: 'raw argon2id verify (in the bench process)', clients: CLIENTS, work: () => verifyPassword(hash, PASSWORD).then(() => undefined) },
      { name: 'ours: POST /logga-in', clients: CLIENTS, work: (c) => signIn(c).then(() => undefined), pids: { server: ours.pid }, ...pgPids },
      {
        name: 'better-auth: POST /api/auth/sign-in/email',
        clients: CLIENTS,
        work: (c) => peerSignIn(c).then(() => undefined),
        pids: { server: peer.pid },
        ...pgPids,
      },
    ]);
    check('1. login / raw argon2id', `${(ratio(login, raw) * 100).toFixed(0)} %`, '≥ 85 %', ratio(login, raw) >= 0.85);
    check('1. login / better-auth sign-in', `${ratio(login, baLogin).toFixed(2)} ×`, '≥ 1.15 ×', ratio(login, baLogin) >= 1.15);

    const cookies = await Promise.all(users.map((_, i) => signIn(i)));
    const peerCookies = await Promise.all(users.map((_, i) => peerSignIn(i)));
    const session = async (client: number) => {
      const reply = await http(`${ours.url}/api/session`, { headers: { Cookie: cookies[client] } });
      if (reply.status !== 200) throw new Error(`session check answered ${reply.status}`);
    };
    const peerSession = async (client: number) => {
      const reply = await http(`${peer.url}/api/auth/get-session`, { headers: { Cookie: peerCookies[client] } });
      if (reply.status !== 200 || reply.body.length < 10) throw new Error(`get-session answered ${reply.status}`);
    };
    const sessionTargets = (clients: number): Target[] => [
      { name: 'ours: GET /api/session', clients, work: session, pids: { server: ours.pid }, ...pgPids },
      { name: 'better-auth: GET /api/auth/get-session', clients, work: peerSession, pids: { server: peer.pid }, ...pgPids },
    ];
    const [check16, peer16] = await compare('session check', sessionTargets(CLIENTS));
    const [check1] = await compare('session check', sessionTargets(1));
    check('2. session check / better-auth get-session', `${ratio(check16, peer16).toFixed(2)} ×`, '≥ 2 ×', ratio(check16, peer16) >= 2);
    check('2. session check p95 at 1 client', `${check1.p95.toFixed(2)} ms`, '≤ 2 ms', check1.p95 <= 2);

    // The middleware's work for a signed-in page, in this process: the session and user in one statement, then the access rules.
    const limits = { idleMs: 20 * 60_000, absoluteMs: 8 * 3600_000 };
    const { token } = await createSession(db, users[0].id, systemClock, limits);
    const page = new URL('http://bench/mina-tjanster');
    const times: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const t0 = performance.now();
      const found = await validateSessionWithUser(db, token, limits, systemClock, true);
      if (!found.session) throw new Error('session not found');
      await judge(db, page, 'GET', found.user, CURRENT_TERMS_VERSION);
      times.push(performance.now() - t0);
    }
    const line = `median ${percentile(times, 0.5).toFixed(2)} ms, p95 ${percentile(times, 0.95).toFixed(2)} ms`;
    console.log(`middleware work for a signed-in page (session + user in one statement, access rules), 3000 sequential: ${line}`);
    results.notes.push(`Middleware work for a signed-in page (no rendering), 3 000 sequential in the bench process: ${line}.`);
    memory('portal after the login bench', ours.pid);
  } finally {
    for (const stop of stops.reverse()) await stop();
    await db.destroy();
    await cluster.stop();
    dir.remove();
  }
}
