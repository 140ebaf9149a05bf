import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '#server/platform/audit.ts';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { applicationFields, applyOverHttp } from '../helpers/application.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createOrganisation } from '../helpers/users.ts';

const PASSWORD = 'lösenord för namntestet';
const RLO = '\u202E';
const ZWSP = '\u200B';
const INVISIBLE_MESSAGE = 'får inte innehålla osynliga tecken';

/** The message shown beside a field, as a screen reader reaches it. */
const fieldError = (html: string, name: string) => pageText(new RegExp(`id="${name}-error"[^>]*>([\\s\\S]*?)</p>`).exec(html)?.[1] ?? '');

describe('names a person types', () => {
  let t: TestDatabase;
  let server: TestServer;
  let cookie: string;
  let organisationId: number;
  let staffId: number;

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000' });
    const org = await createOrganisation(t.db, 'Namnskolan AB');
    organisationId = org.id;
    const now = new Date();
    const passwordHash = await hashPassword(PASSWORD);
    const holder = await insertUser(
      t.db,
      {
        username: 'nm1001',
        kind: 'member',
        organisationId,
        firstName: 'Nora',
        lastName: 'Namn',
        email: 'nora@namnskolan.example',
        passwordHash,
        passwordChangedAt: now,
        termsVersion: CURRENT_TERMS_VERSION,
      },
      now,
    );
    await t.db.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', holder.id).execute();
    staffId = (
      await insertUser(
        t.db,
        {
          username: 'hl9001',
          kind: 'staff',
          organisationId: null,
          firstName: 'Henrik',
          lastName: 'Handläggarsson',
          email: 'henrik@myndighet.example',
          passwordHash,
          passwordChangedAt: now,
          termsVersion: CURRENT_TERMS_VERSION,
        },
        now,
      )
    ).id;
    await recordAudit(t.db, { event: 'user.inactivated', at: now, actorUserId: staffId, subjectUserId: holder.id, organisationId, client: 'test' });
    cookie = cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'nm1001', password: PASSWORD }));
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('refuses bidi overrides and zero-width characters in the application, beside the field, and stores names NFC-normalised', async () => {
    const { check } = await applyOverHttp(
      server.url,
      applicationFields({ orgName: `Skola${RLO}BA`, signatoryLastName: `Ö${ZWSP}st`, holderFirstName: `Å${RLO}sa` }),
      ['YH'],
    );
    expect(check.status).toBe(400);
    const html = await check.text();
    for (const field of ['orgName', 'signatoryLastName', 'holderFirstName']) expect(fieldError(html, field)).toContain(INVISIBLE_MESSAGE);
    expect(await t.db.selectFrom('application').select('id').execute()).toEqual([]);

    const { submit } = await applyOverHttp(
      server.url,
      applicationFields({ orgNumber: '556000-0001', signatoryFirstName: 'Rene\u0301', orgName: 'Cafe\u0301skolan AB' }),
      ['YH'],
    );
    expect(submit!.status).toBe(303);
    const row = await t.db.selectFrom('application').select(['org_name', 'signatory']).executeTakeFirstOrThrow();
    expect(row.org_name).toBe('Caféskolan AB');
    expect((row.signatory as { firstName: string }).firstName).toBe('René');
  });

  it('refuses them in the users and units an administrator adds or edits, and stores names NFC-normalised', async () => {
    const base = `${server.url}/mina-tjanster/organisation`;
    const user = (firstName: string, lastName: string) =>
      postForm(`${base}/anvandare/ny?_action=organisation.addUser`, { firstName, lastName, email: `${Math.random()}@namnskolan.example` }, cookie);
    const refusedUser = await user(`Ev${RLO}a`, `Ek${ZWSP}`);
    expect(refusedUser.status).toBe(400);
    const userHtml = await refusedUser.text();
    expect(fieldError(userHtml, 'firstName')).toContain(INVISIBLE_MESSAGE);
    expect(fieldError(userHtml, 'lastName')).toContain(INVISIBLE_MESSAGE);
    expect((await user('Rene\u0301', 'Ekvall')).status).toBe(303);
    expect(await t.db.selectFrom('app_user').select('first_name').where('last_name', '=', 'Ekvall').executeTakeFirstOrThrow()).toEqual({ first_name: 'René' });

    const refusedUnit = await postForm(`${base}/enheter/ny?_action=organisation.addUnit`, { unit_name: `Enhet${ZWSP}` }, cookie);
    expect(refusedUnit.status).toBe(400);
    expect(fieldError(await refusedUnit.text(), 'unit_name')).toContain(INVISIBLE_MESSAGE);
    expect((await postForm(`${base}/enheter/ny?_action=organisation.addUnit`, { unit_name: 'Cafe\u0301et' }, cookie)).status).toBe(303);
    const unit = await t.db
      .selectFrom('unit')
      .select(['id', 'name'])
      .where('organisation_id', '=', organisationId)
      .where('is_main', '=', false)
      .executeTakeFirstOrThrow();
    expect(unit.name).toBe('Caféet');

    const rename = await postForm(
      `${base}/enhet/${unit.id}?_action=organisation.updateUnit`,
      { unit: String(unit.id), name: `${RLO}teknehinsteK`, status: 'active' },
      cookie,
    );
    expect(rename.status).toBe(400);
    expect(fieldError(await rename.text(), 'name')).toContain(INVISIBLE_MESSAGE);
    expect((await t.db.selectFrom('unit').select('name').where('id', '=', unit.id).executeTakeFirstOrThrow()).name).toBe('Caféet');
  });

  it('refuses them in the handläggare that npm run admin creates, and stores the name NFC-normalised', async () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['src/cli/admin.ts', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, APP_MODE: 'demo', DATABASE_URL: t.url } });
    const refused = run('create-staff', '--first-name', `Ann${RLO}a`, '--last-name', 'Berg', '--email', 'anna@myndighet.example');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(INVISIBLE_MESSAGE);
    expect(await t.db.selectFrom('app_user').select('id').where('email', '=', 'anna@myndighet.example').execute()).toEqual([]);
    const created = run('create-staff', '--first-name', 'Rene\u0301', '--last-name', 'Berg', '--email', 'rene@myndighet.example');
    expect(created.status, created.stderr).toBe(0);
    expect(await t.db.selectFrom('app_user').select('first_name').where('email', '=', 'rene@myndighet.example').executeTakeFirstOrThrow()).toEqual({
      first_name: 'René',
    });
  });

  it('shows customers the authority and "handläggare" in the event log, never the handläggare\'s name or username', async () => {
    const html = await (await fetch(`${server.url}/mina-tjanster/organisation/logg`, { headers: { Cookie: cookie } })).text();
    const page = pageText(html);
    expect(page).toContain('Demomyndigheten för utbildning, handläggare');
    expect(page).not.toContain('Henrik');
    expect(page).not.toContain('Handläggarsson');
    expect(page).not.toContain('hl9001');
    // Searching by the handläggare's username tells nothing either.
    const search = pageText(await (await fetch(`${server.url}/mina-tjanster/organisation/logg?person=hl9001`, { headers: { Cookie: cookie } })).text());
    expect(search).not.toContain('Demomyndigheten för utbildning, handläggare');
  });
});
