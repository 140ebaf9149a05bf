import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE_FILE, loadCatalogue } from '#server/organisation/catalogue.ts';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const PASSWORD = 'lösenord för fullmaktstestet';

/**
 * Issue 19, acceptance 3: a new fullmakt registered by a handläggare moves the
 * fullmaktshavare role in one transaction; two registrations at once make one change;
 * both people are e-mailed; the history names the handläggare.
 */
describe('a new fullmakt registered in the back office', () => {
  let t: TestDatabase;
  let server: TestServer;
  let staffCookie: string;
  let memberCookie: string;
  let organisation: number;
  let mainUnit: number;
  const ids: Record<string, number> = {};

  const login = async (username: string) => cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
  const page = () => `${server.url}/handlaggning/organisationer/${organisation}/fullmakt`;
  const register = (fields: Record<string, string>, cookie = staffCookie) =>
    postForm(`${page()}?_action=office.registerFullmakt`, { organisation: String(organisation), receivedOn: '2026-11-20', ...fields }, cookie);
  const holders = async () =>
    (
      await t.db
        .selectFrom('app_user')
        .select('id')
        .where('organisation_id', '=', organisation)
        .where('org_role', '=', 'fullmaktshavare')
        .where('status', '=', 'active')
        .execute()
    ).map((row) => row.id);
  const mailsTo = async (address: string, subject: string) =>
    (await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', address).execute()).filter((mail) => mail.subject.includes(subject))
      .length;

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000' });
    const now = new Date();
    const hash = await hashPassword(PASSWORD);
    organisation = (
      await t.db
        .insertInto('organisation')
        .values({ org_number: '5560001919', name: 'Fullmaktsskolan AB', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await t.db.insertInto('organisation_area').values({ organisation_id: organisation, area_key: 'YH', approved_at: now }).execute();
    mainUnit = (
      await t.db
        .insertInto('unit')
        .values({ organisation_id: organisation, name: 'Fullmaktsskolan AB', is_main: true, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const person = async (username: string, kind: 'member' | 'staff', firstName: string) =>
      (
        await insertUser(
          t.db,
          {
            username,
            kind,
            organisationId: kind === 'member' ? organisation : null,
            firstName,
            lastName: 'Test',
            email: `${username}@test.example`,
            passwordHash: hash,
            passwordChangedAt: now,
            termsVersion: CURRENT_TERMS_VERSION,
          },
          now,
        )
      ).id;
    ids.staff = await person('hl0001', 'staff', 'Hanna');
    ids.old = await person('fh0001', 'member', 'Olle');
    ids.next = await person('an0001', 'member', 'Nora');
    ids.third = await person('an0002', 'member', 'Tore');
    await t.db.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', ids.old).execute();
    await t.db.insertInto('user_unit_role').values({ user_id: ids.old, unit_id: mainUnit, role_key: 'YH_ANSOKAN', granted_at: now }).execute();
    staffCookie = await login('hl0001');
    memberCookie = await login('fh0001');
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('offers the fullmakt form prefilled to the fullmaktshavare and blank from the handbook, naming every role', async () => {
    const roles = loadCatalogue(DEFAULT_CATALOGUE_FILE).areas.flatMap((area) => area.roles.map((role) => role.name));
    const text = async (response: Response) => {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      return execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: Buffer.from(await response.arrayBuffer()), encoding: 'utf8' }).replace(
        /\s+/g,
        ' ',
      );
    };
    const filled = await text(await fetch(`${server.url}/mina-tjanster/organisation/ny-fullmakt.pdf`, { headers: { Cookie: memberCookie } }));
    expect(filled).toContain('Fullmaktsskolan AB');
    const blank = await text(await fetch(`${server.url}/handbok/ny-fullmakt.pdf`));
    expect(blank).not.toContain('Fullmaktsskolan AB');
    for (const role of roles) {
      expect(filled).toContain(role);
      expect(blank).toContain(role);
    }
    const guide = await (await fetch(`${server.url}/handbok/byt-fullmaktshavare`)).text();
    expect(guide).toContain('href="/handbok/ny-fullmakt.pdf"');
    // The fullmaktshavare finds the filled-in form on the organisation's Översikt.
    const overview = await (await fetch(`${server.url}/mina-tjanster/organisation`, { headers: { Cookie: memberCookie } })).text();
    expect(overview).toContain('href="/mina-tjanster/organisation/ny-fullmakt.pdf"');
  });

  it('shows the handläggare the current holder and the users to choose from', async () => {
    const response = await fetch(page(), { headers: { Cookie: staffCookie } });
    expect(response.status).toBe(200);
    const text = pageText(await response.text());
    expect(text).toContain('Olle Test');
    expect(text).toContain('Nora Test');
    expect(text).toContain('En ny person');
  });

  it('refuses an organisation user, and changes nothing', async () => {
    const response = await register({ expectedHolder: String(ids.old), holder: String(ids.next) }, memberCookie);
    expect(response.status).toBe(403);
    expect(await holders()).toEqual([ids.old]);
  });

  it('moves the role to an existing user; the old holder keeps their roles; both are mailed; the history names the handläggare', async () => {
    const response = await register({ expectedHolder: String(ids.old), holder: String(ids.next) });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/handlaggning/organisationer/${organisation}/fullmakt?klart=fullmakt`);
    expect(await holders()).toEqual([ids.next]);
    const old = await t.db.selectFrom('app_user').select(['org_role', 'status']).where('id', '=', ids.old).executeTakeFirstOrThrow();
    expect(old).toEqual({ org_role: null, status: 'active' });
    const roles = await t.db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', ids.old).execute();
    expect(roles.map((row) => row.role_key)).toEqual(['YH_ANSOKAN']);
    expect(await mailsTo('an0001@test.example', 'Du är nu fullmaktshavare')).toBe(1);
    expect(await mailsTo('fh0001@test.example', 'Du är inte längre fullmaktshavare')).toBe(1);
    const audit = await t.db
      .selectFrom('audit_event')
      .select(['actor_user_id', 'subject_user_id', 'detail'])
      .where('event', '=', 'fullmakt.registered')
      .where('organisation_id', '=', organisation)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: ids.staff, subject_user_id: ids.next, detail: { receivedOn: '2026-11-20', previousHolder: ids.old } });
    const shown = pageText(await (await fetch(`${page()}?klart=fullmakt`, { headers: { Cookie: staffCookie } })).text());
    expect(shown).toContain('Nora Test är nu fullmaktshavare');
  });

  it('makes one change of two registrations at once; the other is told the holder changed', async () => {
    const [a, b] = await Promise.all([
      register({ expectedHolder: String(ids.next), holder: String(ids.third) }),
      register({ expectedHolder: String(ids.next), holder: 'ny', firstName: 'Vera', lastName: 'Ny', email: 'vera@test.example' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([303, 409]);
    const loser = a.status === 409 ? a : b;
    expect(pageText(await loser.text())).toContain('Fullmaktshavaren har ändrats sedan sidan visades');
    const after = await holders();
    expect(after).toHaveLength(1);
    const registered = await t.db.selectFrom('audit_event').select('id').where('event', '=', 'fullmakt.registered').execute();
    expect(registered).toHaveLength(2);
    // Whoever lost created nobody.
    const vera = await t.db.selectFrom('app_user').select('id').where('email', '=', 'vera@test.example').execute();
    expect(vera.length).toBe(after[0] === ids.third ? 0 : 1);
  });

  it('creates a new person as fullmaktshavare with a letter to come, and asks for their details first', async () => {
    const [current] = await holders();
    const missing = await register({ expectedHolder: String(current), holder: 'ny', firstName: 'Greta' });
    expect(missing.status).toBe(400);
    expect(pageText(await missing.text())).toContain('Efternamn');
    expect(await holders()).toEqual([current]);

    const response = await register({ expectedHolder: String(current), holder: 'ny', firstName: 'Greta', lastName: 'Garbo', email: 'greta@test.example' });
    expect(response.status).toBe(303);
    const greta = await t.db.selectFrom('app_user').selectAll().where('email', '=', 'greta@test.example').executeTakeFirstOrThrow();
    expect(greta.org_role).toBe('fullmaktshavare');
    expect(greta.organisation_id).toBe(organisation);
    expect(await holders()).toEqual([greta.id]);
    expect(await t.db.selectFrom('user_letter').select('id').where('user_id', '=', greta.id).execute()).toHaveLength(1);
    const roles = await t.db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', greta.id).execute();
    expect(roles.length).toBeGreaterThan(0);
    expect(await mailsTo('greta@test.example', 'Du är nu fullmaktshavare')).toBe(1);
  });

  it('refuses a stale form after the role moved', async () => {
    const response = await register({ expectedHolder: String(ids.old), holder: String(ids.old) });
    expect(response.status).toBe(409);
  });
});
