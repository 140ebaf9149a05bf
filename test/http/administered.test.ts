import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { printLettersAndSendOneTimePasswords } from '../helpers/users.ts';

const PASSWORD = 'lösenord för pappersbeställningar';

/**
 * Organisations administered by the authority, through HTTP: a handläggare creates and
 * changes their users with the organisation administrators' policy; the organisation's own
 * administrators see those users and are refused every change; an organisation that
 * administers itself is not the handläggare's to change. A refusal changes nothing.
 */
describe('users of an organisation the authority administers, through HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  const ids: Record<string, number> = {};
  const cookies: Record<string, string> = {};

  const fingerprint = async () => {
    const parts = [];
    for (const table of ['organisation', 'app_user', 'user_unit_role', 'user_letter', 'audit_event'])
      parts.push(
        (await sql<{ h: string }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(t.db)).rows[0].h,
      );
    return parts.join(',');
  };
  const post = (path: string, action: string, fields: Record<string, string>, who: string) =>
    postForm(`${server.url}${path}?_action=${action}`, fields, cookies[who]);
  const get = (path: string, who: string) => fetch(`${server.url}${path}`, { headers: { Cookie: cookies[who] }, redirect: 'manual' });

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '10000' });
    const now = new Date();
    const hash = await hashPassword(PASSWORD);
    const org = async (name: string, number: string) =>
      (await t.db.insertInto('organisation').values({ org_number: number, name, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    ids.paper = await org('Pappersskolan AB', '5560001001');
    ids.self = await org('Självskolan AB', '5560001002');
    await t.db
      .insertInto('organisation_area')
      .values([
        { organisation_id: ids.paper, area_key: 'YH', approved_at: now },
        { organisation_id: ids.self, area_key: 'YH', approved_at: now },
      ])
      .execute();
    const unit = async (organisation: number, name: string) =>
      (await t.db.insertInto('unit').values({ organisation_id: organisation, name, is_main: true, created_at: now }).returning('id').executeTakeFirstOrThrow())
        .id;
    ids.paperUnit = await unit(ids.paper, 'Pappersskolan AB');
    ids.selfUnit = await unit(ids.self, 'Självskolan AB');
    const person = async (username: string, organisation: number | null, orgRole: 'fullmaktshavare' | null, roles: Array<[number, string]> = []) => {
      const user = await insertUser(
        t.db,
        {
          username,
          kind: organisation ? 'member' : 'staff',
          organisationId: organisation,
          firstName: username,
          lastName: 'Test',
          email: `${username}@test.example`,
          passwordHash: hash,
          passwordChangedAt: now,
          termsVersion: CURRENT_TERMS_VERSION,
        },
        now,
      );
      if (orgRole) await t.db.updateTable('app_user').set({ org_role: orgRole }).where('id', '=', user.id).execute();
      for (const [unitId, role] of roles)
        await t.db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: unitId, role_key: role, granted_at: now }).execute();
      ids[username] = user.id;
    };
    await person('paperholder', ids.paper, 'fullmaktshavare');
    await person('selfholder', ids.self, 'fullmaktshavare');
    await person('selfmember', ids.self, null, [[ids.selfUnit, 'YH_ANSOKAN']]);
    await person('officer', null, null);
    for (const username of ['paperholder', 'selfholder', 'officer'])
      cookies[username] = cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('lets only staff turn the setting on, through a confirmation, audited with the handläggare', async () => {
    const settings = `/handlaggning/organisationer/${ids.paper}/installningar`;
    const before = await fingerprint();
    expect((await post(settings, 'office.setAdministered', { organisation: String(ids.paper), administered: 'ja' }, 'paperholder')).status).toBe(403);
    expect(await fingerprint()).toBe(before);
    const page = await get(`${settings}?andra=1`, 'officer');
    expect(page.status).toBe(200);
    expect(pageText(await page.text())).toContain('Ja, myndigheten administrerar användarna');
    const response = await post(settings, 'office.setAdministered', { organisation: String(ids.paper), administered: 'ja' }, 'officer');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${settings}?klart=administreras`);
    const organisation = await t.db.selectFrom('organisation').select('administered_by_authority').where('id', '=', ids.paper).executeTakeFirstOrThrow();
    expect(organisation.administered_by_authority).toBe(true);
    const audit = await t.db
      .selectFrom('audit_event')
      .select(['actor_user_id', 'detail'])
      .where('event', '=', 'organisation.administered')
      .where('organisation_id', '=', ids.paper)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_user_id: ids.officer, detail: { administered: true } });
  });

  it('lets a handläggare create a user with a role: the letter, then the one-time password, the audit naming the handläggare', async () => {
    const response = await post(
      `/handlaggning/organisationer/${ids.paper}/anvandare/ny`,
      'office.addAdministeredUser',
      { organisation: String(ids.paper), firstName: 'Pia', lastName: 'Papper', email: 'pia@papper.example', roles: `${ids.paperUnit}:YH_ANSOKAN` },
      'officer',
    );
    expect(response.status).toBe(303);
    const user = await t.db.selectFrom('app_user').selectAll().where('email', '=', 'pia@papper.example').executeTakeFirstOrThrow();
    ids.pia = user.id;
    expect(response.headers.get('location')).toBe(`/handlaggning/organisationer/${ids.paper}/anvandare/${user.id}?klart=ny`);
    expect(user.organisation_id).toBe(ids.paper);
    const roles = await t.db.selectFrom('user_unit_role').select(['unit_id', 'role_key']).where('user_id', '=', user.id).execute();
    expect(roles).toEqual([{ unit_id: ids.paperUnit, role_key: 'YH_ANSOKAN' }]);
    const events = await t.db.selectFrom('audit_event').select(['event', 'actor_user_id']).where('subject_user_id', '=', user.id).orderBy('id').execute();
    expect(events).toEqual([
      { event: 'user.created', actor_user_id: ids.officer },
      { event: 'roles.changed', actor_user_id: ids.officer },
    ]);
    // The letter first; no one-time password before it is printed.
    expect(await t.db.selectFrom('user_letter').select('id').where('user_id', '=', user.id).execute()).toHaveLength(1);
    const otp = () =>
      t.db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'pia@papper.example').where('subject', 'like', '%engångslösenord%').execute();
    expect(await otp()).toEqual([]);
    await printLettersAndSendOneTimePasswords(t.db, [user.id]);
    expect(await otp()).toHaveLength(1);
    const page = await get(`/handlaggning/organisationer/${ids.paper}/anvandare/${user.id}`, 'officer');
    expect(page.status).toBe(200);
    const text = pageText(await page.text());
    expect(text).toContain('Spara rollerna');
    expect(text).toContain('Inaktivera användaren');
  });

  it("refuses the organisation's own administrator every change of its users, and offers none, while showing them", async () => {
    const page = await get(`/mina-tjanster/organisation/anvandare/${ids.pia}`, 'paperholder');
    expect(page.status).toBe(200);
    const text = pageText(await page.text());
    expect(text).toContain('pia@papper.example');
    expect(text).toContain('Myndigheten administrerar användarna i er organisation');
    for (const control of ['Spara rollerna', 'Inaktivera användaren', 'Skicka nytt engångslösenord', 'Aktivera användaren igen'])
      expect(text).not.toContain(control);
    const list = pageText(await (await get('/mina-tjanster/organisation/anvandare', 'paperholder')).text());
    expect(list).toContain('Pia Papper');
    expect(list).not.toContain('Lägg till användare');
    expect((await get('/mina-tjanster/organisation/anvandare/ny', 'paperholder')).status).toBe(403);
    const base = `/mina-tjanster/organisation/anvandare/${ids.pia}`;
    const before = await fingerprint();
    const attempts: Array<[string, string, Record<string, string>]> = [
      [base, 'organisation.setRoles', { user: String(ids.pia), roles: `${ids.paperUnit}:YH_BEVILJAD`, units: String(ids.paperUnit) }],
      [base, 'organisation.setRoles', { user: String(ids.paperholder), roles: `${ids.paperUnit}:YH_BEVILJAD`, units: String(ids.paperUnit) }],
      [base, 'organisation.setActive', { user: String(ids.pia), active: 'nej' }],
      [base, 'organisation.sendOneTimePassword', { user: String(ids.pia) }],
      [
        '/mina-tjanster/organisation/anvandare/ny',
        'organisation.addUser',
        { firstName: 'Ny', lastName: 'Egen', email: 'egen@papper.example', roles: `${ids.paperUnit}:YH_ANSOKAN` },
      ],
      [
        `/handlaggning/organisationer/${ids.paper}/anvandare/ny`,
        'office.addAdministeredUser',
        { organisation: String(ids.paper), firstName: 'Ny', lastName: 'Egen', email: 'egen@papper.example', roles: `${ids.paperUnit}:YH_ANSOKAN` },
      ],
    ];
    for (const [path, action, fields] of attempts) expect((await post(path, action, fields, 'paperholder')).status, action).toBe(403);
    expect(await fingerprint()).toBe(before);
  });

  it('lets the handläggare change the e-mail address, inactivate and reactivate, each audited with the handläggare', async () => {
    const base = `/handlaggning/organisationer/${ids.paper}/anvandare/${ids.pia}`;
    expect((await get(`${base}/epost`, 'officer')).status).toBe(200);
    expect((await get(`${base}/inaktivera`, 'officer')).status).toBe(200);
    const email = await post(`${base}/epost`, 'office.changeAdministeredEmail', { user: String(ids.pia), email: 'pia.ny@papper.example' }, 'officer');
    expect(email.status).toBe(303);
    expect((await post(`${base}/inaktivera`, 'office.setAdministeredActive', { user: String(ids.pia), active: 'nej' }, 'officer')).status).toBe(303);
    expect(await t.db.selectFrom('app_user').select(['email', 'status']).where('id', '=', ids.pia).executeTakeFirstOrThrow()).toEqual({
      email: 'pia.ny@papper.example',
      status: 'inactive',
    });
    expect((await post(base, 'office.setAdministeredActive', { user: String(ids.pia), active: 'ja' }, 'officer')).status).toBe(303);
    const events = await t.db
      .selectFrom('audit_event')
      .select(['event', 'actor_user_id'])
      .where('subject_user_id', '=', ids.pia)
      .where('event', 'in', ['user.emailChanged', 'user.inactivated', 'user.reactivated'])
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { event: 'user.emailChanged', actor_user_id: ids.officer },
      { event: 'user.inactivated', actor_user_id: ids.officer },
      { event: 'user.reactivated', actor_user_id: ids.officer },
    ]);
    // A role outside the organisation's approved areas is refused, as for its own administrators.
    const before = await fingerprint();
    const refused = await post(
      base,
      'office.setAdministeredRoles',
      { user: String(ids.pia), roles: `${ids.paperUnit}:KK_ANSOKAN`, units: String(ids.paperUnit) },
      'officer',
    );
    expect(refused.status).toBe(403);
    expect(await fingerprint()).toBe(before);
    const saved = await post(
      base,
      'office.setAdministeredRoles',
      { user: String(ids.pia), roles: `${ids.paperUnit}:YH_BEVILJAD`, units: String(ids.paperUnit) },
      'officer',
    );
    expect(saved.status).toBe(303);
    const roles = await t.db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', ids.pia).execute();
    expect(roles).toEqual([{ role_key: 'YH_BEVILJAD' }]);
  });

  it('leaves an organisation that administers itself to its own administrators', async () => {
    const before = await fingerprint();
    const base = `/handlaggning/organisationer/${ids.self}/anvandare`;
    expect((await get(`${base}/ny`, 'officer')).status).toBe(403);
    expect(
      (
        await post(
          `${base}/ny`,
          'office.addAdministeredUser',
          { organisation: String(ids.self), firstName: 'Ny', lastName: 'Själv', email: 'ny@sjalv.example', roles: `${ids.selfUnit}:YH_ANSOKAN` },
          'officer',
        )
      ).status,
    ).toBe(403);
    expect((await post(`${base}/${ids.selfmember}`, 'office.setAdministeredActive', { user: String(ids.selfmember), active: 'nej' }, 'officer')).status).toBe(
      403,
    );
    const page = pageText(await (await get(`${base}/${ids.selfmember}`, 'officer')).text());
    expect(page).not.toContain('Spara rollerna');
    expect(page).not.toContain('Inaktivera användaren');
    expect(await fingerprint()).toBe(before);
    // Its own administrator still changes its users.
    const own = await post(
      `/mina-tjanster/organisation/anvandare/${ids.selfmember}`,
      'organisation.setActive',
      { user: String(ids.selfmember), active: 'nej' },
      'selfholder',
    );
    expect(own.status).toBe(303);
  });
});
