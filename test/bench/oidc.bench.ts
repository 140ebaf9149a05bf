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
import { compare, startPortal } from './lib.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const CLIENTS = 8;
const PASSWORD = 'ett lösenord för mätningen av inloggningen';

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-oidc');
  const pgDir = path.join(dir.path, 'pg');
  const cluster = await startEmbeddedPostgres({ dir: pgDir, port: await freePort(), database: 'bench', fast: true });
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
    const server = await startPortal(
      { DATABASE_URL: cluster.url, CATALOGUE_FILE: catalogue.file, LOGIN_CLIENT_LIMIT: '100000' },
      path.join(dir.path, 'portal.log'),
    );
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
      const [figure] = await compare('single sign-on: authorization-code round trip with a live portal session', [
        { name: 'ours: authorize → the portal’s page → code → token', clients: CLIENTS, work: roundTrip, pids: { server: server.pid }, pgDir },
      ]);
      console.log(
        `OIDC code round trip: median ${figure.median.toFixed(1)}/s, p95 ${figure.p95.toFixed(1)} ms (rounds ${figure.rounds.map((r) => r.toFixed(0)).join(' / ')})`,
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
