/** The users page of a large organisation: 50 units, 2 000 users, as its fullmaktshavare sees it. */
import path from 'node:path';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { freePort } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { check, memory, percentile, results, startPortal } from './lib.ts';

const UNITS = 50;
const USERS = 2000;
const REQUESTS = 200;
const PASSWORD = 'lösenord för storskolan';

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-org');
  const cluster = await startEmbeddedPostgres({ dir: path.join(dir.path, 'pg'), port: await freePort(), database: 'bench', fast: true });
  const db = createDb(cluster.url, 4);
  try {
    await migrateToLatest(db);
    const now = new Date();
    const org = await db
      .insertInto('organisation')
      .values({ org_number: '5569998880', name: 'Storskolan AB', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('organisation_area').values({ organisation_id: org.id, area_key: 'YH', approved_at: now }).execute();
    const units = await db
      .insertInto('unit')
      .values(Array.from({ length: UNITS }, (_, i) => ({ organisation_id: org.id, name: `Enhet ${i + 1}`, is_main: i === 0, created_at: now })))
      .returning('id')
      .execute();
    const hash = await hashPassword(PASSWORD);
    for (let start = 0; start < USERS; start += 500) {
      const rows = await db
        .insertInto('app_user')
        .values(
          Array.from({ length: 500 }, (_, i) => ({
            username: `sk${String(start + i).padStart(4, '0')}`,
            kind: 'member',
            organisation_id: org.id,
            first_name: `Förnamn${start + i}`,
            last_name: `Efternamn${start + i}`,
            email: `u${start + i}@storskolan.example`,
            created_at: now,
          })),
        )
        .returning('id')
        .execute();
      await db
        .insertInto('user_unit_role')
        .values(rows.map((row, i) => ({ user_id: row.id, unit_id: units[(start + i) % UNITS].id, role_key: 'YH_ANSOKAN', granted_at: now })))
        .execute();
    }
    await db
      .insertInto('app_user')
      .values({
        username: 'sk9999',
        kind: 'member',
        organisation_id: org.id,
        first_name: 'Fia',
        last_name: 'Fullmakt',
        email: 'fia@storskolan.example',
        password_hash: hash,
        password_changed_at: now,
        terms_version: CURRENT_TERMS_VERSION,
        terms_accepted_at: now,
        org_role: 'fullmaktshavare',
        created_at: now,
      })
      .execute();

    const server = await startPortal({ DATABASE_URL: cluster.url }, path.join(dir.path, 'portal.log'));
    try {
      const login = await fetch(`${server.url}/logga-in?_action=auth.login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
        body: new URLSearchParams({ username: 'sk9999', password: PASSWORD }).toString(),
      });
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      for (const [label, query] of [
        ['users page', ''],
        ['users page, search "efternamn17"', '?q=efternamn17'],
        ['users page 40 of 41', '?sida=40'],
      ]) {
        const times: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const started = performance.now();
          const response = await fetch(`${server.url}/mina-tjanster/organisation/anvandare${query}`, { headers: { Cookie: cookie } });
          await response.text();
          if (response.status !== 200) throw new Error(`users page answered ${response.status}`);
          times.push(performance.now() - started);
        }
        const line = `${label} (${UNITS} units, ${USERS} users, ${REQUESTS} sequential requests): median ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms`;
        console.log(line);
        results.notes.push(line);
        if (!query)
          check('6. users page of a 2 000-user organisation, p95', `${percentile(times, 0.95).toFixed(1)} ms`, '≤ 100 ms', percentile(times, 0.95) <= 100);
      }
      memory('portal after the users-page bench', server.pid);
    } finally {
      await server.stop();
    }
  } finally {
    await db.destroy();
    await cluster.stop();
    dir.remove();
  }
}
