/**
 * `npm run admin -- <command>`: the authority's own chores from the command line.
 *
 *   create-staff --first-name Anna --last-name Berg --email anna.berg@myndighet.example
 *   inactivate-staff --username ab1234      (never the last active handläggare)
 *   reactivate-staff --username ab1234
 *   publicera-register
 *   rotate-keys                             (the OpenID provider's signing key; the old one is kept until its tokens expire)
 *
 * Uses DATABASE_URL, or the embedded database of a running `npm start`, or starts the
 * embedded database itself.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAccount } from '#server/identity/accounts.ts';
import { fileOffsetClock, systemClock } from '#server/platform/clock.ts';
import { ConfigError, config } from '#server/platform/config.ts';
import { createDb, databaseAnswers } from '#server/platform/database.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { nameField } from '#server/platform/name-schema.ts';
import { issueMessage } from '#web/form-errors.ts';
import { publishRegister } from '#server/register/publication.ts';
import { setStaffActive } from '#server/back-office/support.ts';
import { rotateSigningKeys } from '#server/oidc/keys.ts';
import { OidcService } from '#server/oidc/provider.ts';
import { t } from '#web/i18n.ts';

/** The clock of the portal it works on: a test's offset clock when CLOCK_OFFSET_FILE is set. */
const clock = () => (config().clockOffsetFile ? fileOffsetClock(config().clockOffsetFile!) : systemClock);

const USAGE =
  'Usage: npm run admin -- create-staff --first-name NAME --last-name NAME --email ADDRESS\n       npm run admin -- inactivate-staff --username USERNAME\n       npm run admin -- reactivate-staff --username USERNAME\n       npm run admin -- publicera-register\n       npm run admin -- rotate-keys';

async function openDatabase() {
  const settings = config();
  if (settings.databaseUrl) return { db: createDb(settings.databaseUrl, 2), stop: async () => {} };
  const { embeddedBaseUrl, startEmbeddedPostgres } = await import('#server/runtime/embedded-postgres.ts');
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
      const { created, publication } = await publishRegister(db, clock());
      console.log(
        `${created ? 'Registret publicerat' : 'Registret var redan publicerat'} ${publication.published_on}: ${publication.organisations} organisationer, ${publication.units} enheter.`,
      );
    } finally {
      await db.destroy();
      await stop();
    }
    process.exit(0);
  }
  if (command === 'rotate-keys') {
    const { db, stop } = await openDatabase();
    try {
      const { kid, retired } = await rotateSigningKeys(db, config().secretKey, clock().now());
      console.log(t('cli.keys.rotated', { kid, retired, minutes: Math.ceil(OidcService.KEY_KEEP_SECONDS / 60) }));
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
      result = await setStaffActive(db, username, active, clock());
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
  const email = values.email?.trim();
  if (command !== 'create-staff' || !values['first-name']?.trim() || !values['last-name']?.trim() || !email || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    console.error(USAGE);
    process.exit(2);
  }
  // The same rule as every name typed in the portal: no invisible characters, stored NFC.
  const names = [values['first-name'], values['last-name']].map((value) => nameField(100).safeParse(value));
  for (const [option, result] of [
    ['--first-name', names[0]],
    ['--last-name', names[1]],
  ] as const) {
    if (!result.success) {
      console.error(`${option}: ${issueMessage(result.error.issues[0])}`);
      process.exit(2);
    }
  }
  const [firstName, lastName] = names.map((result) => result.data!);
  const { db, stop } = await openDatabase();
  try {
    const user = await db
      .transaction()
      .execute((trx) =>
        createAccount(trx, { kind: 'staff', organisationId: null, firstName, lastName, email }, { userId: null, client: 'cli' }, config(), clock()),
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
