import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const PASSWORD = 'lösenord för behörighetstestet';

/**
 * Every actor × every administrative action × target (own unit, other unit, other
 * organisation), through HTTP, against a table kept here. A refusal changes nothing.
 */
describe('who may administer what, through HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  const ids: Record<string, number> = {};
  const cookies: Record<string, string> = {};

  const fingerprint = async () => {
    const tables = ['organisation', 'unit', 'app_user', 'user_unit_role', 'organisation_area', 'one_time_code', 'audit_event'];
    // The outbox's rows change as the sender works; their number is what a refusal must not change.
    const parts = [(await sql<{ n: string }>`select count(*) as n from mail_outbox`.execute(t.db)).rows[0].n];
    for (const table of tables)
      parts.push(
        (await sql<{ h: string }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(t.db)).rows[0].h,
      );
    return parts.join(',');
  };

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '10000' });
    const now = new Date();
    const hash = await hashPassword(PASSWORD);
    const org = async (name: string, number: string) =>
      (await t.db.insertInto('organisation').values({ org_number: number, name, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
    ids.orgA = await org('Skola A AB', '5560000001');
    ids.orgB = await org('Skola B AB', '5560000002');
    await t.db
      .insertInto('organisation_area')
      .values([
        { organisation_id: ids.orgA, area_key: 'YH', approved_at: now },
        { organisation_id: ids.orgB, area_key: 'YH', approved_at: now },
      ])
      .execute();
    const unit = async (organisation: number, name: string, isMain = false) =>
      (
        await t.db
          .insertInto('unit')
          .values({ organisation_id: organisation, name, is_main: isMain, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    ids.mainA = await unit(ids.orgA, 'Skola A AB', true);
    ids.unitA = await unit(ids.orgA, 'Enhet A');
    ids.unitB = await unit(ids.orgA, 'Enhet B');
    ids.unitOther = await unit(ids.orgB, 'Skola B AB', true);
    const person = async (username: string, organisation: number | null, orgRole: string | null, roles: Array<[number, string]>) => {
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
      if (orgRole)
        await t.db
          .updateTable('app_user')
          .set({ org_role: orgRole as 'fullmaktshavare' })
          .where('id', '=', user.id)
          .execute();
      for (const [unitId, role] of roles)
        await t.db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: unitId, role_key: role, granted_at: now }).execute();
      ids[username] = user.id;
    };
    await person('holder', ids.orgA, 'fullmaktshavare', []);
    await person('orgadm', ids.orgA, 'admin_org', []);
    await person('unitadm', ids.orgA, null, [[ids.unitA, 'ADMIN_ENHET']]);
    await person('reporter', ids.orgA, null, [[ids.unitA, 'YH_ANSOKAN']]);
    await person('staff', null, null, []);
    await person('inA', ids.orgA, null, [[ids.unitA, 'YH_ANSOKAN']]);
    await person('inB', ids.orgA, null, [[ids.unitB, 'YH_ANSOKAN']]);
    await person('other', ids.orgB, 'fullmaktshavare', [[ids.unitOther, 'YH_ANSOKAN']]);
    for (const username of ['holder', 'orgadm', 'unitadm', 'reporter', 'staff']) {
      cookies[username] = cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
    }
    cookies.anonymous = '';
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  type Case = { path: string; fields: () => Record<string, string>; page?: () => string };
  const actions: Record<string, Case> = {
    'edit organisation': {
      path: 'organisation.update',
      fields: () => ({ postal_address: 'Ny väg 1', postal_code: '12345', city: 'Ort', phone: '010-1', email: 'a@b.se' }),
      page: () => 'uppgifter',
    },
    'add unit': { path: 'organisation.addUnit', fields: () => ({ unit_name: `Ny enhet ${Math.random()}` }), page: () => 'enheter/ny' },
    'rename own unit': {
      path: 'organisation.updateUnit',
      fields: () => ({ unit: String(ids.unitA), name: 'Enhet A', status: 'active' }),
      page: () => `enhet/${ids.unitA}`,
    },
    'rename other organisation unit': {
      path: 'organisation.updateUnit',
      fields: () => ({ unit: String(ids.unitOther), name: 'Kapad', status: 'active' }),
      page: () => `enhet/${ids.unitOther}`,
    },
    'add user in own unit': {
      path: 'organisation.addUser',
      fields: () => ({ firstName: 'Ny', lastName: 'Person', email: 'ny@test.example', roles: `${ids.unitA}:YH_ANSOKAN` }),
      page: () => 'anvandare/ny',
    },
    'add user in other unit': {
      path: 'organisation.addUser',
      fields: () => ({ firstName: 'Ny', lastName: 'Person', email: 'ny@test.example', roles: `${ids.unitB}:YH_ANSOKAN` }),
      page: () => 'anvandare/ny',
    },
    'give role in own unit': {
      path: 'organisation.setRoles',
      fields: () => ({ user: String(ids.inA), roles: `${ids.unitA}:YH_BEVILJAD` }),
      page: () => `anvandare/${ids.inA}`,
    },
    'give role in other unit': {
      path: 'organisation.setRoles',
      fields: () => ({ user: String(ids.inB), roles: `${ids.unitB}:YH_BEVILJAD` }),
      page: () => `anvandare/${ids.inB}`,
    },
    'give role in other organisation': {
      path: 'organisation.setRoles',
      fields: () => ({ user: String(ids.other), roles: `${ids.unitOther}:YH_BEVILJAD` }),
      page: () => `anvandare/${ids.other}`,
    },
    'inactivate user in own unit': {
      path: 'organisation.setActive',
      fields: () => ({ user: String(ids.inA), active: 'nej' }),
      page: () => `anvandare/${ids.inA}`,
    },
    'inactivate user in other unit': {
      path: 'organisation.setActive',
      fields: () => ({ user: String(ids.inB), active: 'nej' }),
      page: () => `anvandare/${ids.inB}`,
    },
    'inactivate user in other organisation': {
      path: 'organisation.setActive',
      fields: () => ({ user: String(ids.other), active: 'nej' }),
      page: () => `anvandare/${ids.other}`,
    },
  };
  // 'ok' = done (303 onwards); 'login' = sent to the login page; a number = the refusal's status.
  const table: Record<string, Record<string, 'ok' | 'login' | number>> = {
    'edit organisation': { holder: 'ok', orgadm: 'ok', unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'add unit': { holder: 'ok', orgadm: 'ok', unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'rename own unit': { holder: 'ok', orgadm: 'ok', unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'rename other organisation unit': { holder: 403, orgadm: 403, unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'add user in own unit': { holder: 'ok', orgadm: 'ok', unitadm: 'ok', reporter: 403, staff: 403, anonymous: 'login' },
    'add user in other unit': { holder: 'ok', orgadm: 'ok', unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'give role in own unit': { holder: 'ok', orgadm: 'ok', unitadm: 'ok', reporter: 403, staff: 403, anonymous: 'login' },
    'give role in other unit': { holder: 'ok', orgadm: 'ok', unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'give role in other organisation': { holder: 403, orgadm: 403, unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'inactivate user in own unit': { holder: 'ok', orgadm: 'ok', unitadm: 'ok', reporter: 403, staff: 403, anonymous: 'login' },
    'inactivate user in other unit': { holder: 'ok', orgadm: 'ok', unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
    'inactivate user in other organisation': { holder: 403, orgadm: 403, unitadm: 403, reporter: 403, staff: 403, anonymous: 'login' },
  };
  const cases = Object.entries(table).flatMap(([action, row]) => Object.entries(row).map(([actor, outcome]) => [action, actor, outcome] as const));

  it.each(cases)('%s by %s: %s', async (action, actor, outcome) => {
    const before = outcome === 'ok' ? '' : await fingerprint();
    const { path, fields, page } = actions[action];
    const response = await postForm(`${server.url}/mina-tjanster/organisation${page ? `/${page()}` : ''}?_action=${path}`, fields(), cookies[actor]);
    if (outcome === 'ok' || outcome === 'login') {
      expect(response.status).toBe(303);
      expect(response.headers.get('location')?.startsWith('/logga-in')).toBe(outcome === 'login');
    } else {
      expect(response.status).toBe(outcome);
    }
    if (outcome !== 'ok') expect(await fingerprint()).toBe(before);
  });

  it("refuses a second administratör organisation, removing the last fullmaktshavare and raising one's own rights, saying why", async () => {
    const second = await postForm(
      `${server.url}/mina-tjanster/organisation/anvandare/${ids.inA}?_action=organisation.setRoles`,
      { user: String(ids.inA), orgAdminShown: 'ja', orgAdmin: 'ja' },
      cookies.holder,
    );
    expect(second.status).toBe(409);
    expect(pageText(await second.text())).toContain('Organisationen har redan en administratör');
    const last = await postForm(
      `${server.url}/mina-tjanster/organisation/anvandare/${ids.holder}?_action=organisation.setActive`,
      { user: String(ids.holder), active: 'nej' },
      cookies.orgadm,
    );
    expect(last.status).toBe(403);
    expect(pageText(await last.text())).toContain('Organisationen måste alltid ha en aktiv fullmaktshavare');
    const self = await postForm(
      `${server.url}/mina-tjanster/organisation/anvandare/${ids.unitadm}?_action=organisation.setRoles`,
      { user: String(ids.unitadm), roles: `${ids.unitB}:ADMIN_ENHET` },
      cookies.unitadm,
    );
    expect(self.status).toBe(403);
    expect(pageText(await self.text())).toContain('Du kan inte ändra dina egna behörigheter');
  });

  it("lets the organisation's administrators change their own area roles, and refuses their own rights and account, offering neither", async () => {
    const page = (user: string) => `${server.url}/mina-tjanster/organisation/anvandare/${ids[user]}`;
    const own = await postForm(
      `${page('holder')}?_action=organisation.setRoles`,
      { user: String(ids.holder), units: String(ids.mainA), roles: `${ids.mainA}:YH_BEVILJAD` },
      cookies.holder,
    );
    expect(own.status).toBe(303);
    expect(await t.db.selectFrom('user_unit_role').select(['unit_id', 'role_key']).where('user_id', '=', ids.holder).execute()).toEqual([
      { unit_id: ids.mainA, role_key: 'YH_BEVILJAD' },
    ]);
    const audited = await t.db
      .selectFrom('audit_event')
      .select(['actor_user_id', 'event'])
      .where('subject_user_id', '=', ids.holder)
      .where('event', '=', 'roles.changed')
      .execute();
    expect(audited).toEqual([{ actor_user_id: ids.holder, event: 'roles.changed' }]);
    const orgAdminOwn = await postForm(
      `${page('orgadm')}?_action=organisation.setRoles`,
      { user: String(ids.orgadm), units: String(ids.unitB), roles: `${ids.unitB}:YH_ANSOKAN` },
      cookies.orgadm,
    );
    expect(orgAdminOwn.status).toBe(303);

    const before = await fingerprint();
    const refusals: Array<[string, string, Record<string, string>, string]> = [
      [
        'holder',
        'organisation.setRoles',
        { user: String(ids.holder), units: String(ids.mainA), roles: `${ids.mainA}:ADMIN_ENHET` },
        'Du kan inte ändra dina egna behörigheter',
      ],
      [
        'holder',
        'organisation.setRoles',
        { user: String(ids.holder), units: String(ids.mainA), roles: `${ids.mainA}:KK_ANSOKAN` },
        'Rollen hör till ett område',
      ],
      ['holder', 'organisation.setActive', { user: String(ids.holder), active: 'nej' }, 'Du kan inte inaktivera dig själv'],
      ['holder', 'organisation.sendOneTimePassword', { user: String(ids.holder) }, 'Du kan inte inaktivera dig själv'],
      ['orgadm', 'organisation.setRoles', { user: String(ids.orgadm), orgAdminShown: 'ja' }, 'Du kan inte ändra dina egna behörigheter'],
      ['orgadm', 'organisation.setActive', { user: String(ids.orgadm), active: 'nej' }, 'Du kan inte inaktivera dig själv'],
    ];
    for (const [actor, action, fields, text] of refusals) {
      const response = await postForm(`${page(actor)}?_action=${action}`, fields, cookies[actor]);
      expect(response.status, `${actor} ${action}`).toBe(403);
      expect(pageText(await response.text()), `${actor} ${action}`).toContain(text);
    }
    expect(await fingerprint()).toBe(before);

    // Their own page offers the area roles and nothing of the refused.
    const html = await (await fetch(page('holder'), { headers: { Cookie: cookies.holder } })).text();
    expect(html).toContain(`value="${ids.mainA}:YH_BEVILJAD"`);
    expect(html).not.toContain(`value="${ids.mainA}:ADMIN_ENHET"`);
    expect(html).not.toContain('name="orgAdmin"');
    expect(html).not.toContain('/inaktivera"');
    expect(html).not.toContain('/engangslosenord"');
    for (const path of ['inaktivera', 'engangslosenord']) {
      const confirm = await fetch(`${page('holder')}/${path}`, { headers: { Cookie: cookies.holder } });
      expect(confirm.status, path).toBe(403);
    }
    // Another administrator's page still offers them.
    const other = await (await fetch(page('orgadm'), { headers: { Cookie: cookies.holder } })).text();
    expect(other).toContain('/inaktivera"');
    expect(other).toContain('name="orgAdmin"');
  });

  it('answers a signed-in non-administrator with the 403 page saying why, before any page or action runs', async () => {
    const page = await fetch(`${server.url}/mina-tjanster/organisation`, { headers: { Cookie: cookies.reporter } });
    expect(page.status).toBe(403);
    expect(pageText(await page.text())).toContain('Du har ingen administratörsroll');
    const form = await postForm(
      `${server.url}/mina-tjanster/organisation/enheter/ny?_action=organisation.addUnit`,
      { unit_name: 'Smugglad enhet' },
      cookies.staff,
    );
    expect(form.status).toBe(403);
    expect(pageText(await form.text())).toContain('Du kan bara administrera din egen organisation');
  });

  it('answers an action called over /_actions/ with JSON whose message is a key, and the page shows its Swedish text', async () => {
    const call = (cookie?: string) =>
      fetch(`${server.url}/_actions/organisation.addUnit`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: server.url,
          'Sec-Fetch-Site': 'same-origin',
          ...(cookie ? { Cookie: cookie } : {}),
        },
        body: new URLSearchParams({ unit_name: 'Smugglad enhet' }).toString(),
      });
    const refused = await call(cookies.reporter);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN', message: 'admin.denied.notAdmin' });
    const anonymous = await call();
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHORIZED', message: 'error.signedOut' });
  });

  it('answers a refusal that belongs to a field with its key and field over /_actions/, and with the same text on the page', async () => {
    const fields = { unit: String(ids.unitA), into: String(ids.unitA) };
    const rpc = await fetch(`${server.url}/_actions/organisation.mergeUnit`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'Sec-Fetch-Site': 'same-origin', Cookie: cookies.holder },
      body: new URLSearchParams(fields).toString(),
    });
    expect(rpc.status).toBe(400);
    expect(await rpc.json()).toMatchObject({ code: 'BAD_REQUEST', message: 'error.merge.into', field: 'into' });
    const page = await postForm(`${server.url}/mina-tjanster/organisation/enhet/${ids.unitA}/sla-ihop?_action=organisation.mergeUnit`, fields, cookies.holder);
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain('id="into-error"');
    expect(pageText(html)).toContain('Välj en annan aktiv enhet att slå ihop med');
  });

  it('answers an input error over /_actions/ with the key and the limit, and the page names the limit', async () => {
    const fields = { unit_name: 'x'.repeat(151) };
    const rpc = await fetch(`${server.url}/_actions/organisation.addUnit`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'Sec-Fetch-Site': 'same-origin', Cookie: cookies.holder },
      body: new URLSearchParams(fields).toString(),
    });
    expect(rpc.status).toBe(400);
    expect((await rpc.json()).issues).toEqual([expect.objectContaining({ path: ['unit_name'], message: 'error.tooLong', maximum: 150 })]);
    const page = await postForm(`${server.url}/mina-tjanster/organisation/enheter/ny?_action=organisation.addUnit`, fields, cookies.holder);
    expect(page.status).toBe(400);
    expect(pageText(await page.text())).toContain('Uppgiften får vara högst 150 tecken');
  });

  it("lets an administrator print a managed user's username letter, and nobody else", async () => {
    const own = await fetch(`${server.url}/mina-tjanster/organisation/anvandare/${ids.inB}/brev.pdf`, { headers: { Cookie: cookies.holder } });
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('application/pdf');
    expect((await fetch(`${server.url}/mina-tjanster/organisation/anvandare/${ids.inB}/brev.pdf`, { headers: { Cookie: cookies.unitadm } })).status).toBe(403);
    expect((await fetch(`${server.url}/mina-tjanster/organisation/anvandare/${ids.other}/brev.pdf`, { headers: { Cookie: cookies.holder } })).status).toBe(403);
  });

  it("shows a unit admin the organisation's sections without what only the organisation's administrators may do", async () => {
    const get = (path: string) => fetch(`${server.url}/mina-tjanster/organisation${path}`, { headers: { Cookie: cookies.unitadm } });
    for (const path of ['', '/enheter', '/anvandare', '/logg']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      const html = await page.text();
      expect(html, path).toContain('aria-label="Organisationens sidor"');
      expect(html, path).not.toContain('href="/mina-tjanster/organisation/ny-roll"');
      expect(html, path).not.toContain('href="/mina-tjanster/organisation/uppgifter');
      expect(html, path).not.toContain('href="/mina-tjanster/organisation/enheter/ny"');
      expect(html, path).not.toContain('href="/mina-tjanster/organisation/enhet/');
    }
    for (const path of [
      '/uppgifter',
      '/enheter/ny',
      '/ny-roll',
      `/enhet/${ids.unitA}`,
      `/enhet/${ids.unitA}/flytta`,
      `/enhet/${ids.unitA}/sla-ihop`,
      `/enhet/${ids.unitA}/dela`,
    ]) {
      expect((await get(path)).status, path).toBe(403);
    }
    // Links from before the sections lead to the section that now holds the list.
    for (const [old, now] of [
      ['?q=anna&sida=2', '/mina-tjanster/organisation/anvandare?q=anna&sida=2'],
      ['?enhet=norr', '/mina-tjanster/organisation/enheter?enhet=norr'],
      ['?klart=enhet', '/mina-tjanster/organisation/enheter?klart=enhet'],
    ]) {
      const moved = await fetch(`${server.url}/mina-tjanster/organisation${old}`, { headers: { Cookie: cookies.unitadm }, redirect: 'manual' });
      expect(moved.status, old).toBe(301);
      expect(moved.headers.get('location'), old).toBe(now);
    }
  });

  it('offers a unit admin only the cells of their own units in the role grid', async () => {
    const html = await (await fetch(`${server.url}/mina-tjanster/organisation/anvandare/ny`, { headers: { Cookie: cookies.unitadm } })).text();
    const offered = [...html.matchAll(/name="roles" value="([^"]+)"/g)].map((match) => match[1]);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((value) => value.startsWith(`${ids.unitA}:`))).toBe(true);
    expect(offered).not.toContain(`${ids.unitA}:KK_ANSOKAN`);
  });
});
