import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';

const PASSWORD = 'ett långt lösenord för grindarna';

/** The session cookie, the terms-of-use gate and the support desk's reach, over HTTP. */
describe('identity gates', () => {
  let t: TestDatabase;
  let demo: TestServer;
  let production: TestServer;
  const login = async (server: TestServer, username: string) =>
    cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
  const staff = async (username: string) =>
    insertUser(
      t.db,
      {
        username,
        kind: 'staff',
        organisationId: null,
        firstName: 'Stina',
        lastName: `Stöd ${username}`,
        email: `${username}@myndighet.example`,
        passwordHash: await hashPassword(PASSWORD),
        passwordChangedAt: new Date(),
        termsVersion: CURRENT_TERMS_VERSION,
      },
      new Date(),
    );

  beforeAll(async () => {
    t = await freshDatabase();
    const env = { DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '100000', LOG_LEVEL: 'silent' };
    [demo, production] = await Promise.all([
      startServer(env),
      startServer({ ...env, APP_MODE: 'production', SMTP_URL: 'smtp://127.0.0.1:9', PUBLIC_URL: 'https://portal.example', SECRET_KEY: 'x'.repeat(40) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([demo?.stop(), production?.stop()]);
    await t?.drop();
  });

  it('clears an unknown session cookie in production with the attributes it was set with', async () => {
    const response = await fetch(`${production.url}/mina-tjanster`, { headers: { Cookie: '__Host-sid=okand.hemlighet' }, redirect: 'manual' });
    const cleared = response.headers.getSetCookie().find((cookie) => cookie.startsWith('__Host-sid='));
    expect(cleared, response.headers.getSetCookie().join('\n')).toBeDefined();
    expect(cleared).toMatch(/^__Host-sid=[^;]*;/);
    expect(cleared).toMatch(/; Secure/);
    expect(cleared).toMatch(/; Path=\//);
    expect(cleared).toMatch(/; HttpOnly/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    expect(cleared).not.toMatch(/Domain=/i);
  });

  it('refuses every action but accepting the terms to a member who has not accepted the current terms', async () => {
    const member = await createMember(t.db, { username: 'vi0001', password: PASSWORD, termsVersion: null });
    await t.db.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', member.id).execute();
    const cookie = await login(demo, 'vi0001');
    const units = () => t.db.selectFrom('unit').select('name').where('organisation_id', '=', member.organisation_id!).execute();
    const before = await units();

    const rpc = await fetch(`${demo.url}/_actions/organisation.addUnit`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: demo.url, 'Sec-Fetch-Site': 'same-origin', Cookie: cookie },
      body: new URLSearchParams({ unit_name: 'Smugglad enhet' }).toString(),
    });
    expect(rpc.status).toBe(403);
    // A form post names its action in the query string, also on the pages that stay open.
    for (const page of ['/mina-tjanster/villkor', '/mina-tjanster/organisation', '/logga-in']) {
      const form = await postForm(`${demo.url}${page}?_action=organisation.addUnit`, { unit_name: 'Smugglad enhet' }, cookie);
      expect(form.status, page).toBe(403);
      expect(pageText(await form.text()), page).toContain('godkänna villkoren');
    }
    expect(await units()).toEqual(before);
    // The page redirect still holds for pages.
    const page = await fetch(`${demo.url}/mina-tjanster/organisation`, { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/mina-tjanster/villkor');
    // Accepting the terms stays open, and afterwards the action works.
    const accepted = await postForm(`${demo.url}/mina-tjanster/villkor?_action=account.acceptTerms`, { accept: 'ja', version: CURRENT_TERMS_VERSION }, cookie);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe('/mina-tjanster');
    const added = await postForm(`${demo.url}/mina-tjanster/organisation/enheter/ny?_action=organisation.addUnit`, { unit_name: 'Riktig enhet' }, cookie);
    expect(added.status).toBe(303);
    expect((await units()).map((unit) => unit.name)).toContain('Riktig enhet');
  });

  it('neither lists nor acts on staff accounts at the support desk, oneself included', async () => {
    const me = await staff('st0101');
    const colleague = await staff('st0102');
    const member = await createMember(t.db, { username: 'st0103', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
    const cookie = await login(demo, 'st0101');
    const search = pageText(await (await fetch(`${demo.url}/handlaggning/anvandare?q=st01`, { headers: { Cookie: cookie } })).text());
    expect(search).toContain('st0103');
    expect(search).not.toContain('st0101');
    expect(search).not.toContain('st0102');
    const detail = await fetch(`${demo.url}/handlaggning/anvandare/${colleague.id}`, { headers: { Cookie: cookie } });
    expect(detail.status).toBe(403);
    expect(pageText(await detail.text())).toContain('npm run admin');

    for (const target of [me, colleague]) {
      for (const [action, fields] of [
        ['support.setActive', { active: 'nej' }],
        ['support.unlock', {}],
        ['support.sendOneTimePassword', {}],
        ['support.setActive', { active: 'ja' }],
      ] as const) {
        const response = await postForm(`${demo.url}/handlaggning/anvandare/${target.id}?_action=${action}`, { user: String(target.id), ...fields }, cookie);
        expect(response.status, `${action} ${target.username}`).toBe(403);
        expect(pageText(await response.text()), action).toContain('Handläggarkonton hanteras inte');
      }
    }
    const rows = await t.db.selectFrom('app_user').select(['username', 'status']).where('id', 'in', [me.id, colleague.id]).orderBy('username').execute();
    expect(rows).toEqual([
      { username: 'st0101', status: 'active' },
      { username: 'st0102', status: 'active' },
    ]);
    expect(await t.db.selectFrom('mail_outbox').select('id').where('to_address', 'in', [me.email, colleague.email]).execute()).toEqual([]);
    expect(
      await t.db
        .selectFrom('audit_event')
        .select('event')
        .where('subject_user_id', 'in', [me.id, colleague.id])
        .where('event', '!=', 'login.succeeded')
        .execute(),
    ).toEqual([]);
    // A member's account is still handled at the desk.
    const done = await postForm(
      `${demo.url}/handlaggning/anvandare/${member.id}?_action=support.setActive`,
      { user: String(member.id), active: 'nej' },
      cookie,
    );
    expect(done.status).toBe(303);
  });
});
