/**
 * Single sign-on: the authorization-code round trip an e-service asks for when a user
 * with a live portal session opens it (authorize → the portal's page → code → token),
 * per second and its p95, warmed up, three rounds, medians.
 */
import path from 'node:path';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { authorizationRequest, authorize, catalogueWithExample, EXAMPLE_CLIENT, EXAMPLE_SECRET, exampleClient, portalLogin } from '../helpers/oidc.ts';
import { freePort } from '../helpers/ports.ts';
import { startServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const CLIENTS = 8;
const SECONDS = 5;
const ROUNDS = 3;
const PASSWORD = 'ett lösenord för mätningen av inloggningen';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const median = (values: number[]) => percentile(values, 0.5);

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
  return { perSecond: durations.length / ((performance.now() - started) / 1000), p95: percentile(durations, 0.95) };
}

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-oidc');
  const cluster = await startEmbeddedPostgres({ dir: path.join(dir.path, 'pg'), port: await freePort(), database: 'bench', fast: true });
  const db = createDb(cluster.url, 4);
  const catalogue = await catalogueWithExample();
  try {
    await migrateToLatest(db);
    const org = await db
      .insertInto('organisation')
      .values({ org_number: '5569998878', name: 'Mätskolan SSO AB', created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const unit = await db
      .insertInto('unit')
      .values({ organisation_id: org.id, name: 'Mätskolan SSO AB', is_main: true, created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hash = await hashPassword(PASSWORD);
    const usernames: string[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const username = `so${String(i).padStart(4, '0')}`;
      const user = await insertUser(
        db,
        {
          username,
          kind: 'member',
          organisationId: org.id,
          firstName: 'Mät',
          lastName: 'Användare',
          email: `${username}@matskolan.example`,
          passwordHash: hash,
          passwordChangedAt: new Date(),
          termsVersion: CURRENT_TERMS_VERSION,
        },
        new Date(),
      );
      await db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: unit.id, role_key: 'YH_ANSOKAN', granted_at: new Date() }).execute();
      usernames.push(username);
    }
    const server = await startServer({ DATABASE_URL: cluster.url, CATALOGUE_FILE: catalogue.file, LOGIN_CLIENT_LIMIT: '100000', LOG_LEVEL: 'info' });
    try {
      const config = await exampleClient(server.url);
      const jars = await Promise.all(usernames.map((username) => portalLogin(server.url, username, PASSWORD)));
      const basic = `Basic ${Buffer.from(`${EXAMPLE_CLIENT}:${EXAMPLE_SECRET}`).toString('base64')}`;
      const callback = `${catalogue.origin}/inloggad`;
      const roundTrip = async (client: number) => {
        const request = await authorizationRequest(config, callback);
        const walked = await authorize(server.url, jars[client], request.url.href);
        const code = walked.location?.searchParams.get('code');
        if (!code) throw new Error(`no code: ${walked.response.status}`);
        const token = await fetch(`${server.url}/oidc/token`, {
          method: 'POST',
          headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callback, code_verifier: request.verifier }),
        });
        if (token.status !== 200) throw new Error(`token answered ${token.status}`);
        await token.arrayBuffer();
      };
      await load(CLIENTS, 2, roundTrip);
      const rounds = [];
      for (let round = 0; round < ROUNDS; round++) rounds.push(await load(CLIENTS, SECONDS, roundTrip));
      console.log(
        `OIDC code round trip (authorize with a live session → code → token, ${CLIENTS} clients): median ${median(rounds.map((r) => r.perSecond)).toFixed(1)}/s, p95 ${median(rounds.map((r) => r.p95)).toFixed(1)} ms; rounds ${rounds.map((r) => r.perSecond.toFixed(0)).join(' / ')}/s`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    await db.destroy();
    await cluster.stop();
    catalogue.remove();
    dir.remove();
  }
}
