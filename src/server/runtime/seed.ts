import { cell, setRoles } from '#server/organisation/admin.ts';
import { catalogue } from '#server/organisation/catalogue.ts';
import { systemClock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import { enqueueMail, renderMail } from '#server/mail/mail.ts';
import { oneTimePasswordMail } from '#server/mail/templates.ts';
import { issueCode } from '#server/identity/one-time-code.ts';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';

const DEMO_MAILBOX_ADDRESS = 'demo@demoskolan.example';

/** The demo's people: listed in the README and printed at start. Demo mode only. */
export const DEMO_PASSWORD = 'gröna äpplen i korgen';
export const DEMO_PEOPLE = [
  { username: 'hl1001', who: 'Handläggare hos myndigheten', name: 'Hanna Lund' },
  { username: 'ds1001', who: 'Fullmaktshavare för Demoskolan AB', name: 'Maria Lindqvist' },
  { username: 'ds1002', who: 'Rapportör med roller i två enheter', name: 'Ali Karimi' },
  { username: 'ds1003', who: 'Ny användare: engångslösenordet finns i demobrevlådan', name: 'Sara Ek' },
] as const;

/**
 * Seeds the demo once per database: later starts find `seed_run` and leave the data
 * as the user left it.
 */
export async function seedDemo(db: Db, config: Config): Promise<boolean> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const seeded = await db.transaction().execute(async (trx) => {
    if (!(await claim(trx, 'demo'))) return false;
    await enqueueMail(trx, DEMO_MAILBOX_ADDRESS, welcomeMail(config));
    await seedPeople(trx, config, passwordHash);
    return true;
  });
  await db.transaction().execute((trx) => completeHolderRoles(trx));
  return seeded;
}

/** Whether this step has not run on this database before; it counts as run from now on. */
async function claim(trx: Tx, name: string): Promise<boolean> {
  const claimed = await trx
    .insertInto('seed_run')
    .values({ name })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('name')
    .executeTakeFirst();
  return claimed !== undefined;
}

/**
 * Demo databases seeded before the fullmaktshavare got every approved area's roles: gives
 * ds1001 the missing ones in the huvudorganisation once, recorded in the event log as any
 * change of access. Roles she has since given away herself stay away: this runs once.
 */
async function completeHolderRoles(trx: Tx): Promise<void> {
  if (!(await claim(trx, 'demo-holder-roles'))) return;
  const holder = await trx
    .selectFrom('app_user')
    .selectAll()
    .where('username', '=', DEMO_PEOPLE[1].username)
    .where('org_role', '=', 'fullmaktshavare')
    .executeTakeFirst();
  if (!holder?.organisation_id) return;
  const main = await trx.selectFrom('unit').select('id').where('organisation_id', '=', holder.organisation_id).where('is_main', '=', true).executeTakeFirst();
  if (!main) return;
  const areas = new Set(
    (await trx.selectFrom('organisation_area').select('area_key').where('organisation_id', '=', holder.organisation_id).execute()).map((row) => row.area_key),
  );
  const roles = new Set(
    catalogue()
      .areas.filter((area) => areas.has(area.key))
      .flatMap((area) => area.roles.map((role) => cell(main.id, role.key))),
  );
  await setRoles(trx, holder, roles, roles, { userId: null, client: 'demo' }, systemClock);
}

function welcomeMail(config: Config) {
  return renderMail(
    {
      subject: 'Välkommen till Anordnarportalens demoläge',
      greeting: 'Hej!',
      paragraphs: [
        'Det här meddelandet skickades när demodatabasen skapades. Det visar att e-post från portalen går via utkorgen och kommer fram till demobrevlådan.',
        'I demoläget skickas ingen e-post ut på riktigt. Allt som portalen skickar hamnar i demobrevlådan.',
      ],
      action: { label: 'Öppna demobrevlådan', url: new URL('/utveckling/epost', config.publicUrl).href },
    },
    config.authority,
  );
}

async function seedPeople(trx: Tx, config: Config, passwordHash: string): Promise<void> {
  const now = new Date();
  const org = await trx
    .insertInto('organisation')
    .values({
      org_number: '5566001235',
      name: 'Demoskolan AB',
      postal_address: 'Skolvägen 1',
      postal_code: '00000',
      city: 'Exempelstad',
      phone: '000-111 11 11',
      email: 'kansli@demoskolan.example',
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const area of ['YH', 'KK']) await trx.insertInto('organisation_area').values({ organisation_id: org.id, area_key: area, approved_at: now }).execute();
  const unit = (name: string, isMain: boolean) =>
    trx.insertInto('unit').values({ organisation_id: org.id, name, is_main: isMain, created_at: now }).returning('id').executeTakeFirstOrThrow();
  const main = await unit('Demoskolan AB', true);
  const arts = await unit('Demoskolan Konstlinjen', false);
  const person = (index: number, kind: 'member' | 'staff', withPassword: boolean) => {
    const { username, name } = DEMO_PEOPLE[index];
    const [firstName, lastName] = name.split(' ');
    return insertUser(
      trx,
      {
        username,
        kind,
        organisationId: kind === 'member' ? org.id : null,
        firstName,
        lastName,
        email: `${username}@${kind === 'staff' ? 'demomyndigheten' : 'demoskolan'}.example`,
        passwordHash: withPassword ? passwordHash : null,
        passwordChangedAt: withPassword ? now : null,
        termsVersion: withPassword ? CURRENT_TERMS_VERSION : null,
      },
      now,
    );
  };
  const officer = await person(0, 'staff', true);
  const holder = await person(1, 'member', true);
  await trx.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', holder.id).execute();
  const reporter = await person(2, 'member', true);
  const newcomer = await person(3, 'member', false);
  const grant = (userId: number, unitId: number, role: string) =>
    trx.insertInto('user_unit_role').values({ user_id: userId, unit_id: unitId, role_key: role, granted_at: now }).execute();
  // As an approval leaves a fullmaktshavare: every service role of the approved areas in the huvudorganisation.
  for (const area of catalogue().areas.filter((area) => ['YH', 'KK'].includes(area.key)))
    for (const role of area.roles) await grant(holder.id, main.id, role.key);
  await grant(reporter.id, main.id, 'YH_ANSOKAN');
  await grant(reporter.id, main.id, 'YH_STUDIEDOK');
  await grant(reporter.id, arts.id, 'KK_ANSOKAN');
  await grant(newcomer.id, main.id, 'YH_BEVILJAD');
  // The newcomer is where a new member is after the service's order: letter printed, one-time password mailed.
  await trx
    .insertInto('user_letter')
    .values({ user_id: newcomer.id, created_at: now, printed_at: now, one_time_password_due_at: now, one_time_password_sent_at: now })
    .execute();
  const { code, expiresAt } = await issueCode(trx, newcomer.id, 'first_login', config.rules.oneTimePasswordDays * 24 * 60 * 60_000, { now: () => now });
  await enqueueMail(trx, newcomer.email, oneTimePasswordMail(newcomer, code, expiresAt, config));
  await seedContacts(trx, officer.id, org.id);
}

/** Kontakta oss in the demo: the handläggare responsible for Demoskolan, and a colleague who is not. */
async function seedContacts(trx: Tx, officerId: number, organisationId: number): Promise<void> {
  const responsible = await trx
    .insertInto('authority_contact')
    .values({ user_id: officerId, name: DEMO_PEOPLE[0].name, phone: '000-222 22 21', email: `${DEMO_PEOPLE[0].username}@demomyndigheten.example` })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('authority_contact').values({ name: 'Johan Berg', phone: '000-222 22 22', email: 'johan.berg@demomyndigheten.example' }).execute();
  await trx.insertInto('organisation_contact').values({ organisation_id: organisationId, contact_id: responsible.id }).execute();
}
