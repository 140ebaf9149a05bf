import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { formatOrgNumber } from '#server/platform/format.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember, createOrganisation } from '../helpers/users.ts';

const PASSWORD = 'lösenord för organisationerna';

describe('Organisationer in the back office over HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  let staffCookie: string;
  let memberCookie: string;
  let organisationId: number;
  let orgNumber: string;
  let unitCode: string;
  const login = async (username: string) => cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
  const get = (path: string, cookie = staffCookie) => fetch(`${server.url}${path}`, { headers: { Cookie: cookie }, redirect: 'manual' });

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000' });
    await insertUser(
      t.db,
      {
        username: 'or0001',
        kind: 'staff',
        organisationId: null,
        firstName: 'Olle',
        lastName: 'Registrator',
        email: 'olle@myndighet.example',
        passwordHash: await hashPassword(PASSWORD),
        passwordChangedAt: new Date(),
        termsVersion: CURRENT_TERMS_VERSION,
      },
      new Date(),
    );
    const member = await createMember(t.db, { username: 'om0001', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION, roles: ['YH_ANSOKAN'] });
    organisationId = member.organisation_id!;
    await t.db.updateTable('organisation').set({ name: 'Sökbara skolan AB' }).where('id', '=', organisationId).execute();
    const organisation = await t.db.selectFrom('organisation').select('org_number').where('id', '=', organisationId).executeTakeFirstOrThrow();
    orgNumber = organisation.org_number;
    unitCode = (await t.db.selectFrom('unit').select('unit_code').where('id', '=', member.mainUnitId).executeTakeFirstOrThrow()).unit_code;
    for (let i = 0; i < 27; i++) await createOrganisation(t.db, `Sidskolan ${String(i).padStart(2, '0')}`);
    staffCookie = await login('or0001');
    memberCookie = await login('om0001');
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('finds an organisation by name, by organisationsnummer with or without hyphen, and by enhetskod in any case', async () => {
    for (const query of ['sökbara', orgNumber, formatOrgNumber(orgNumber), unitCode.toLowerCase(), unitCode]) {
      const response = await get(`/handlaggning/organisationer?q=${encodeURIComponent(query)}`);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html, query).toContain(`href="/handlaggning/organisationer/${organisationId}"`);
      expect(pageText(html)).toContain('1 organisation');
    }
    expect(pageText(await (await get('/handlaggning/organisationer?q=finns+inte')).text())).toContain('Ingen organisation matchar');
  });

  it('pages long result lists', async () => {
    const first = pageText(await (await get('/handlaggning/organisationer?q=sidskolan')).text());
    expect(first).toContain('27 organisationer');
    expect(first).toContain('Sidskolan 00');
    expect(first).not.toContain('Sidskolan 26');
    const second = pageText(await (await get('/handlaggning/organisationer?q=sidskolan&sida=2')).text());
    expect(second).toContain('Sidskolan 26');
    expect(second).not.toContain('Sidskolan 00');
  });

  it('is for staff only, and answers 404 for an organisation that does not exist', async () => {
    for (const path of [
      '/handlaggning/organisationer',
      `/handlaggning/organisationer/${organisationId}`,
      `/handlaggning/organisationer/${organisationId}/logg`,
    ]) {
      expect([302, 303, 403]).toContain((await get(path, memberCookie)).status);
      expect([302, 303]).toContain((await get(path, '')).status);
    }
    expect((await get('/handlaggning/organisationer/999999')).status).toBe(404);
    expect((await get('/handlaggning/organisationer/abc')).status).toBe(404);
    expect((await get(`/handlaggning/organisationer/${organisationId}/logg`)).status).toBe(200);
  });

  it('shows the event log as the organisation reads it, with the handläggare named, and the whole log paged', async () => {
    const staff = await t.db.selectFrom('app_user').select('id').where('username', '=', 'or0001').executeTakeFirstOrThrow();
    const member = await t.db.selectFrom('app_user').select('id').where('username', '=', 'om0001').executeTakeFirstOrThrow();
    const at = new Date(Date.now() - 60_000);
    await recordAudit(t.db, { event: 'user.inactivated', at, actorUserId: staff.id, subjectUserId: member.id, organisationId, client: 'test', detail: {} });
    for (let i = 0; i < 55; i++)
      await recordAudit(t.db, { event: 'login.failed', at: new Date(at.getTime() - (i + 1) * 1000), subjectUserId: member.id, organisationId, client: 'test' });
    const page = pageText(await (await get(`/handlaggning/organisationer/${organisationId}`)).text());
    expect(page).toContain('Olle Registrator (or0001), handläggare');
    expect(page).toContain('Inaktiverade Test Användare.');
    // 56 recorded here and the member's login in beforeAll.
    expect(page).toContain('Visa hela händelseloggen (57 händelser)');
    const first = pageText(await (await get(`/handlaggning/organisationer/${organisationId}/logg`)).text());
    expect(first).toContain('Olle Registrator (or0001), handläggare');
    const second = pageText(await (await get(`/handlaggning/organisationer/${organisationId}/logg?sida=2`)).text());
    expect(second).not.toContain('Olle Registrator');
    expect(second).toContain('Misslyckat inloggningsförsök för Test Användare.');
  });

  it('assigns responsible contact persons on the organisation page; the organisation sees them in bold in Kontakta oss', async () => {
    const contacts = await t.db
      .insertInto('authority_contact')
      .values([
        { name: 'Alva Ansvarig', phone: '000-1', email: 'alva@myndighet.example' },
        { name: 'Bo Bredvid', phone: '000-2', email: 'bo@myndighet.example' },
      ])
      .returning(['id', 'name'])
      .execute();
    const alva = contacts.find((row) => row.name === 'Alva Ansvarig')!;
    const body = new URLSearchParams([
      ['organisation', String(organisationId)],
      ['orgNumber', orgNumber],
      ['from', 'organisation'],
      ['contact', String(alva.id)],
    ]);
    const response = await fetch(`${server.url}/handlaggning/organisationer/${organisationId}?_action=office.setResponsible`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'Sec-Fetch-Site': 'same-origin', Cookie: staffCookie },
      body: body.toString(),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/handlaggning/organisationer/${organisationId}?klart=kontaktpersoner`);
    const office = await (await get(`/handlaggning/organisationer/${organisationId}?klart=kontaktpersoner`)).text();
    expect(office).toMatch(new RegExp(`value="${alva.id}"[^>]*checked`));
    const audit = await t.db.selectFrom('audit_event').select(['event', 'detail']).where('event', '=', 'contact.responsible').execute();
    expect(audit).toEqual([{ event: 'contact.responsible', detail: { organisation: orgNumber, before: '', after: 'Alva Ansvarig' } }]);

    const html = await (await get('/mina-tjanster/kontakta-oss', memberCookie)).text();
    expect(html).toMatch(/<strong[^>]*>Alva Ansvarig<\/strong>/);
    expect(html).not.toMatch(/<strong[^>]*>Bo Bredvid<\/strong>/);
    expect(html).toContain('Bo Bredvid');
  });
});
