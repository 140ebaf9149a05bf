import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, cell } from '#server/organisation/admin.ts';
import { parseConfig } from '#server/platform/config.ts';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { createMember, createOrganisation } from '../helpers/users.ts';

const PASSWORD = 'lösenord för handläggningen';
const ROUTES = [
  '/handlaggning',
  '/handlaggning/anvandare',
  '/handlaggning/anvandare?q=a',
  '/handlaggning/anvandare/1',
  '/handlaggning/ansokningar',
  '/handlaggning/ansokningar?status=inskickad',
  '/handlaggning/ansokningar/1',
  '/handlaggning/ansokningar/1/ansokan.pdf',
  '/handlaggning/brev',
  '/handlaggning/brev/1.pdf',
  '/handlaggning/brev/alla.pdf?brev=1',
  '/handlaggning/register',
  '/handlaggning/handbok',
  '/handlaggning/roller',
  '/handlaggning/roller/1',
  '/handlaggning/roller/1/ansokan.pdf',
];

describe('the back office over HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  let staffCookie: string;
  let reporterCookie: string;
  const login = async (username: string, password = PASSWORD) => cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password }));

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000' });
    await insertUser(
      t.db,
      {
        username: 'st0001',
        kind: 'staff',
        organisationId: null,
        firstName: 'Stina',
        lastName: 'Stöd',
        email: 'stina@myndighet.example',
        passwordHash: await hashPassword(PASSWORD),
        passwordChangedAt: new Date(),
        termsVersion: CURRENT_TERMS_VERSION,
      },
      new Date(),
    );
    await createMember(t.db, { username: 'rp0001', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION, roles: ['YH_ANSOKAN'] });
    staffCookie = await login('st0001');
    reporterCookie = await login('rp0001');
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('sends an anonymous visitor to the login page from every back-office route', async () => {
    for (const route of ROUTES) {
      const response = await fetch(`${server.url}${route}`, { redirect: 'manual' });
      expect(response.status, route).toBe(303);
      expect(response.headers.get('location'), route).toMatch(/^\/logga-in\?next=%2Fhandlaggning/);
    }
  });

  it('refuses a signed-in reporter with 403 on every back-office route and action', async () => {
    for (const route of ROUTES) {
      const response = await fetch(`${server.url}${route}`, { headers: { Cookie: reporterCookie } });
      expect(response.status, route).toBe(403);
      expect(pageText(await response.text()), route).toContain('Du saknar behörighet');
    }
    const victim = await t.db.selectFrom('app_user').select('id').where('username', '=', 'rp0001').executeTakeFirstOrThrow();
    const action = await postForm(
      `${server.url}/handlaggning/anvandare/${victim.id}?_action=support.setActive`,
      { user: String(victim.id), active: 'nej' },
      reporterCookie,
    );
    expect(action.status).toBe(403);
    expect((await t.db.selectFrom('app_user').select('status').where('id', '=', victim.id).executeTakeFirstOrThrow()).status).toBe('active');
  });

  it('lands a handläggare on the back office after login and lets them find a user', async () => {
    const response = await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'st0001', password: PASSWORD });
    expect(response.headers.get('location')).toBe('/handlaggning');
    const found = await fetch(`${server.url}/handlaggning/anvandare?q=RP00`, { headers: { Cookie: staffCookie } });
    expect(found.status).toBe(200);
    expect(pageText(await found.text())).toContain('rp0001');
  });

  it('shows a user’s organisation number with its hyphen on the support desk', async () => {
    const user = await t.db
      .selectFrom('app_user')
      .innerJoin('organisation', 'organisation.id', 'app_user.organisation_id')
      .select(['app_user.id', 'organisation.org_number'])
      .where('app_user.username', '=', 'rp0001')
      .executeTakeFirstOrThrow();
    const page = pageText(await (await fetch(`${server.url}/handlaggning/anvandare/${user.id}`, { headers: { Cookie: staffCookie } })).text());
    expect(page).toContain(`(${user.org_number.slice(0, 6)}-${user.org_number.slice(6)})`);
  });

  it('unlocks a locked user, who can log in at once, and the audit log names the handläggare', async () => {
    const locked = await createMember(t.db, { username: 'lo0001', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
    for (let i = 0; i < 4; i++) await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'lo0001', password: `fel lösenord ${i} gången` });
    expect((await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'lo0001', password: PASSWORD })).status).toBe(401);
    const page = pageText(await (await fetch(`${server.url}/handlaggning/anvandare/${locked.id}`, { headers: { Cookie: staffCookie } })).text());
    expect(page).toContain('Ja, till');
    const unlock = await postForm(`${server.url}/handlaggning/anvandare/${locked.id}?_action=support.unlock`, { user: String(locked.id) }, staffCookie);
    expect(unlock.status).toBe(303);
    expect((await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'lo0001', password: PASSWORD })).status).toBe(303);
    const staff = await t.db.selectFrom('app_user').select('id').where('username', '=', 'st0001').executeTakeFirstOrThrow();
    const audit = await t.db
      .selectFrom('audit_event')
      .select(['event', 'actor_user_id'])
      .where('subject_user_id', '=', locked.id)
      .where('event', '=', 'login.unlocked')
      .execute();
    expect(audit).toEqual([{ event: 'login.unlocked', actor_user_id: staff.id }]);
  });

  it('inactivates a user whose open session stops working on its next request', async () => {
    const user = await createMember(t.db, { username: 'in0001', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
    const cookie = await login('in0001');
    expect((await fetch(`${server.url}/mina-tjanster`, { headers: { Cookie: cookie } })).status).toBe(200);
    const done = await postForm(
      `${server.url}/handlaggning/anvandare/${user.id}?_action=support.setActive`,
      { user: String(user.id), active: 'nej' },
      staffCookie,
    );
    expect(done.status).toBe(303);
    expect((await fetch(`${server.url}/mina-tjanster`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(303);
    expect((await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'in0001', password: PASSWORD })).status).toBe(401);
  });

  it('sends a new one-time password by e-mail', async () => {
    const user = await createMember(t.db, { username: 'ot0001' });
    const response = await postForm(
      `${server.url}/handlaggning/anvandare/${user.id}?_action=support.sendOneTimePassword`,
      { user: String(user.id) },
      staffCookie,
    );
    expect(response.headers.get('location')).toBe(`/handlaggning/anvandare/${user.id}?klart=engangslosenord`);
    const mail = await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', user.email).execute();
    expect(mail.map((m) => m.subject)).toEqual(['Ditt engångslösenord till Anordnarportalen']);
  });

  it('prints every waiting letter in one PDF and marks exactly those printed, naming who printed them', async () => {
    const dir = tempDir('print-all');
    try {
      const org = await createOrganisation(t.db, 'Utskriftsskolan AB');
      const add = (firstName: string) =>
        t.db
          .transaction()
          .execute((trx) =>
            addUser(
              trx,
              org.id,
              { firstName, lastName: 'Brevsson', email: `${firstName.toLowerCase()}@utskrift.example`, phone: '' },
              new Set([cell(org.mainUnitId, 'YH_ANSOKAN')]),
              { userId: null, client: 'test' },
              parseConfig({}),
              { now: () => new Date() },
            ),
          );
      const users = [await add('Ada'), await add('Bo'), await add('Cia')];
      const page = await (await fetch(`${server.url}/handlaggning/brev`, { headers: { Cookie: staffCookie } })).text();
      const link = /href="(\/handlaggning\/brev\/alla\.pdf\?brev=[\d,]+)"/.exec(page)![1];
      const ids = /name="letters" value="([\d,]+)"/.exec(page)![1];
      expect(link).toBe(`/handlaggning/brev/alla.pdf?brev=${ids}`);
      expect(pageText(page)).toContain('Markera de 3 breven som utskrivna');

      // A letter made after the page was shown is neither in the PDF nor marked.
      const late = await add('Dan');
      const response = await fetch(`${server.url}${link}`, { headers: { Cookie: staffCookie } });
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const file = path.join(dir.path, 'alla.pdf');
      writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Pages:\s+3\n/);
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
      for (const user of users) expect(text).toContain(user.username);
      expect(text).not.toContain(late.username);
      // Opening the PDF marks nothing.
      const ours = [...users, late].map((user) => user.id);
      expect(await t.db.selectFrom('user_letter').select('id').where('user_id', 'in', ours).where('printed_at', 'is not', null).execute()).toEqual([]);

      const marked = await postForm(`${server.url}/handlaggning/brev?_action=office.markAllPrinted`, { letters: ids }, staffCookie);
      expect(marked.headers.get('location')).toBe('/handlaggning/brev?klart=allautskrivna&antal=3');
      const staff = await t.db.selectFrom('app_user').select('id').where('username', '=', 'st0001').executeTakeFirstOrThrow();
      const letters = await t.db
        .selectFrom('user_letter')
        .select(['user_id', 'printed_by', 'one_time_password_due_at'])
        .where('user_id', 'in', ours)
        .orderBy('id')
        .execute();
      expect(letters.map((letter) => letter.printed_by)).toEqual([staff.id, staff.id, staff.id, null]);
      expect(letters.every((letter, i) => i < 3 === (letter.one_time_password_due_at !== null))).toBe(true);
      const after = pageText(await (await fetch(`${server.url}/handlaggning/brev?klart=allautskrivna&antal=3`, { headers: { Cookie: staffCookie } })).text());
      expect(after).toContain('3 brev är markerade som utskrivna.');
      expect(after).toContain('Markera de 1 breven som utskrivna');
      const audit = await t.db.selectFrom('audit_event').select(['actor_user_id', 'detail']).where('event', '=', 'letter.printed').execute();
      expect(audit).toEqual([{ actor_user_id: staff.id, detail: expect.objectContaining({ count: 3 }) }]);
      // The support desk says where each new user's login details are.
      const userPage = async (id: number) =>
        pageText(await (await fetch(`${server.url}/handlaggning/anvandare/${id}`, { headers: { Cookie: staffCookie } })).text());
      expect(await userPage(users[0].id)).toMatch(/Brevet med användarnamnet är utskrivet\. Engångslösenordet skickas den \d+ \w+ \d{4}\./);
      expect(await userPage(late.id)).toContain('Brevet med användarnamnet väntar på att skrivas ut.');
      const roleless = await t.db
        .transaction()
        .execute((trx) =>
          addUser(
            trx,
            org.id,
            { firstName: 'Ego', lastName: 'Rollös', email: 'ego@utskrift.example', phone: '' },
            new Set(),
            { userId: null, client: 'test' },
            parseConfig({}),
            { now: () => new Date() },
          ),
        );
      expect(await userPage(roleless.id)).toContain(
        'Användaren har ingen roll ännu. Användarnamn och engångslösenord skickas först när användaren har fått en roll.',
      );
    } finally {
      dir.remove();
    }
  });
});
