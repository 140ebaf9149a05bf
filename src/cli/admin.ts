/**
 * `npm run admin -- <command>`: the authority's own chores from the command line.
 *
 *   create-staff --first-name Anna --last-name Berg --email anna.berg@myndighet.example
 *   inactivate-staff --username ab1234      (never the last active handläggare)
 *   reactivate-staff --username ab1234
 *   publicera-register
 *
 * Uses DATABASE_URL, or the embedded database of a running `npm start`, or starts the
 * embedded database itself.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAccount } from '../lib/server/accounts.ts';
import { appClock } from '../lib/server/clock.ts';
import { ConfigError, config } from '../lib/server/config.ts';
import { createDb, databaseAnswers } from '../lib/server/database.ts';
import { migrateToLatest } from '../lib/server/migrate.ts';
import { publishRegister } from '../lib/server/register.ts';
import { setStaffActive } from '../lib/server/support.ts';
import { t } from '../lib/i18n.ts';

const USAGE =
  'Usage: npm run admin -- create-staff --first-name NAME --last-name NAME --email ADDRESS\n       npm run admin -- inactivate-staff --username USERNAME\n       npm run admin -- reactivate-staff --username USERNAME\n       npm run admin -- publicera-register';

async function openDatabase() {
  const settings = config();
  if (settings.databaseUrl) return { db: createDb(settings.databaseUrl, 2), stop: async () => {} };
  const { embeddedBaseUrl, startEmbeddedPostgres } = await import('../lib/server/embedded-postgres.ts');
  const running = createDb(`${embeddedBaseUrl(settings.embeddedPgPort)}/anordnarportalen`, 2);
  if (await databaseAnswers(running)) return { db: running, stop: async () => {} };
  await running.destroy();
  const cluster = await startEmbeddedPostgres({ dir: path.join(settings.dataDir, 'postgres'), port: settings.embeddedPgPort, database: 'anordnarportalen' });
  const db = createDb(cluster.url, 2);
  await migrateToLatest(db);
  return { db, stop: () => cluster.stop() };
}

try {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'first-name': { type: 'string' }, 'last-name': { type: 'string' }, email: { type: 'string' }, username: { type: 'string' } },
  });
  const [command] = positionals;
  if (command === 'publicera-register') {
    const { db, stop } = await openDatabase();
    try {
      const { created, publication } = await publishRegister(db, appClock());
      console.log(`${created ? 'Registret publicerat' : 'Registret var redan publicerat'} ${publication.published_on}: ${publication.organisations} organisationer, ${publication.units} enheter.`);
    } finally {
      await db.destroy();
      await stop();
    }
    process.exit(0);
  }
  if (command === 'inactivate-staff' || command === 'reactivate-staff') {
    const username = values.username?.trim();
    if (!username) {
      console.error(USAGE);
      process.exit(2);
    }
    const active = command === 'reactivate-staff';
    const { db, stop } = await openDatabase();
    let result: Awaited<ReturnType<typeof setStaffActive>>;
    try {
      result = await setStaffActive(db, username, active, appClock());
    } finally {
      await db.destroy();
      await stop();
    }
    if (result.kind === 'notStaff') console.error(t('cli.staff.notStaff', { username }));
    if (result.kind === 'lastStaff') console.error(t('cli.staff.lastStaff', { username }));
    if (result.kind !== 'ok') process.exit(1);
    console.log(t(active ? 'cli.staff.reactivated' : 'cli.staff.inactivated', { username: result.user.username }));
    process.exit(0);
  }
  const firstName = values['first-name']?.trim();
  const lastName = values['last-name']?.trim();
  const email = values.email?.trim();
  if (command !== 'create-staff' || !firstName || !lastName || !email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    console.error(USAGE);
    process.exit(2);
  }
  const { db, stop } = await openDatabase();
  try {
    const user = await db.transaction().execute((trx) =>
      createAccount(trx, { kind: 'staff', organisationId: null, firstName, lastName, email }, { userId: null, client: 'cli' }, config(), appClock()),
    );
    console.log(`Handläggare skapad: ${firstName} ${lastName}, användarnamn ${user.username}. Engångslösenordet skickas till ${email}.`);
  } finally {
    await db.destroy();
    await stop();
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
}
