import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { issueCode } from '#server/identity/one-time-code.ts';

const PASSWORD = 'ett lösenord för http-testerna';
const login = (server: TestServer, username: string, password: string) => postForm(`${server.url}/logga-in?_action=auth.login`, { username, password });

describe('logging in over HTTP', () => {
  let t: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let production: TestServer;
  beforeAll(async () => {
    t = await freshDatabase();
    const env = { DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '100000' };
    [a, b, production] = await Promise.all([
      startServer(env),
      startServer(env),
      startServer({ ...env, APP_MODE: 'production', SMTP_URL: 'smtp://127.0.0.1:9', PUBLIC_URL: 'https://portal.example', SECRET_KEY: 'x'.repeat(40) }),
    ]);
    for (const username of ['hp0001', 'hp0002', 'hp0003', 'hp0004'])
      await createMember(t.db, { username, password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), production?.stop()]);
    await t?.drop();
  });

  it('sets an HttpOnly, SameSite=Lax session cookie and lands on Mina tjänster', async () => {
    const response = await login(a, 'hp0001', PASSWORD);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/mina-tjanster');
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('sid='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    const page = await fetch(`${a.url}/mina-tjanster`, { headers: { Cookie: cookiesOf(response) } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('Inloggad som Test Användare (hp0001)');
  });

  it('uses a Secure cookie with the __Host- prefix in production', async () => {
    const response = await postForm(`${production.url}/logga-in?_action=auth.login`, { username: 'hp0001', password: PASSWORD }, '', 'https://portal.example');
    expect(response.status).toBe(303);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-sid='))!;
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it('answers a multipart post (the action’s own path) as the plain form post (the front server’s path)', async () => {
    const plain = await postForm(`${a.url}/logga-in?_action=auth.login`, { username: 'hp0001', password: PASSWORD, next: '/mina-tjanster/sakerhet' });
    const form = new FormData();
    for (const [name, value] of Object.entries({ username: 'hp0001', password: PASSWORD, next: '/mina-tjanster/sakerhet' })) form.set(name, value);
    const multipart = await fetch(`${a.url}/logga-in?_action=auth.login`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: a.url } });
    for (const response of [plain, multipart]) {
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/mina-tjanster/sakerhet');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    // The same cookie, attribute for attribute, whichever path set it.
    const attributes = (response: Response) =>
      response.headers
        .getSetCookie()
        .find((c) => c.startsWith('sid='))!
        .split('; ')
        .slice(1)
        .sort();
    expect(attributes(plain)).toEqual(attributes(multipart));
    for (const response of [plain, multipart]) {
      const page = await fetch(`${a.url}/mina-tjanster`, { headers: { Cookie: cookiesOf(response) } });
      expect(await page.text()).toContain('Inloggad som Test Användare (hp0001)');
    }
    const wrong = new FormData();
    for (const [name, value] of Object.entries({ username: 'hp0001', password: 'fel lösenord' })) wrong.set(name, value);
    const refused = await fetch(`${a.url}/logga-in?_action=auth.login`, { method: 'POST', body: wrong, redirect: 'manual', headers: { Origin: a.url } });
    const plainRefused = await login(a, 'hp0001', 'fel lösenord');
    expect(refused.status).toBe(plainRefused.status);
    expect(pageText(await refused.text())).toContain('Användarnamnet eller lösenordet är fel');
    expect(pageText(await plainRefused.text())).toContain('Användarnamnet eller lösenordet är fel');
    await login(a, 'hp0001', PASSWORD);
  });

  it('follows a same-site next address after login and ignores another site', async () => {
    const inside = await postForm(`${a.url}/logga-in?_action=auth.login`, { username: 'hp0001', password: PASSWORD, next: '/mina-tjanster/sakerhet' });
    expect(inside.headers.get('location')).toBe('/mina-tjanster/sakerhet');
    const outside = await postForm(`${a.url}/logga-in?_action=auth.login`, { username: 'hp0001', password: PASSWORD, next: '//angripare.example/' });
    expect(outside.headers.get('location')).toBe('/mina-tjanster');
  });

  it('answers an empty form with 400 and a message at each field', async () => {
    const response = await login(a, '', '');
    expect(response.status).toBe(400);
    const text = pageText(await response.text());
    expect(text).toContain('Det finns fel i formuläret');
    expect(text).toContain('Ange ditt användarnamn');
    expect(text).toContain('Ange ditt lösenord');
  });

  it('sends a visitor who is not logged in from Mina tjänster to the login page', async () => {
    const response = await fetch(`${a.url}/mina-tjanster`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/logga-in?next=%2Fmina-tjanster');
  });

  it('cannot turn what the database holds about a session into a working cookie', async () => {
    const response = await login(a, 'hp0002', PASSWORD);
    const [id, secret] = cookiesOf(response).replace('sid=', '').split('.');
    const row = await t.db.selectFrom('user_session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.secret_hash.toString('base64url')).not.toBe(secret);
    for (const forged of [`${id}.${row.secret_hash.toString('base64url')}`, `${id}.${row.secret_hash.toString('hex')}`, id, `${id}.`]) {
      const page = await fetch(`${a.url}/mina-tjanster`, { headers: { Cookie: `sid=${forged}` }, redirect: 'manual' });
      expect(page.status, forged).toBe(303);
    }
  });

  it('logs out with a POST that deletes the session and clears cookies', async () => {
    const cookie = cookiesOf(await login(a, 'hp0002', PASSWORD));
    const before = await t.db.selectFrom('user_session').select('id').where('id', '=', cookie.replace('sid=', '').split('.')[0]).execute();
    expect(before).toHaveLength(1);
    const out = await postForm(`${a.url}/logga-ut`, {}, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('clear-site-data')).toBe('"cookies"');
    expect(out.headers.get('location')).toBe('/logga-in?utloggad=1');
    expect((await fetch(`${a.url}/mina-tjanster`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(303);
    const after = await t.db.selectFrom('user_session').select('id').where('id', '=', cookie.replace('sid=', '').split('.')[0]).execute();
    expect(after).toEqual([]);
  });

  it('shares sessions and locks between two app processes on one database', async () => {
    const cookie = cookiesOf(await login(a, 'hp0003', PASSWORD));
    expect((await fetch(`${b.url}/mina-tjanster`, { headers: { Cookie: cookie } })).status).toBe(200);
    for (let i = 0; i < 4; i++) await login(a, 'hp0004', `fel lösenord nummer ${i}`);
    const refused = await login(b, 'hp0004', PASSWORD);
    expect(refused.status).toBe(401);
    expect(pageText(await refused.text())).toContain('Kontot är tillfälligt låst');
  });

  it('gives an unknown and a known username the same status and page text', async () => {
    const known = await login(a, 'hp0001', 'inte rätt lösenord alls');
    const unknown = await login(a, 'xx9999', 'inte rätt lösenord alls');
    expect(known.status).toBe(401);
    expect(unknown.status).toBe(known.status);
    const strip = (html: string) => pageText(html).replace(/hp0001|xx9999/g, 'NAMN');
    expect(strip(await unknown.text())).toBe(strip(await known.text()));
  });

  it('tells whoever types their own expired one-time password that it has expired, points to Glömt lösenord, and never locks them', async () => {
    const user = await createMember(t.db, { username: 'hp0005', roles: ['YH_ANSOKAN'] });
    const issuedAt = new Date(Date.now() - 8 * 24 * 3600_000);
    const { code } = await t.db.transaction().execute((trx) => issueCode(trx, user.id, 'first_login', 7 * 24 * 3600_000, { now: () => issuedAt }));
    const change = (secret: string) => postForm(`${a.url}/losenordskiosk/byt?_action=auth.startChange`, { username: 'hp0005', password: secret });
    for (let i = 0; i < 6; i++) {
      const response = await change(code);
      expect(response.status).toBe(401);
      const html = await response.text();
      expect(pageText(html)).toContain('Engångslösenordet har gått ut. Beställ ett nytt lösenord under Glömt lösenord i lösenordskiosken.');
      expect(html).toContain('<a href="/losenordskiosk/glomt">Gå till Glömt lösenord</a>');
    }
    // Any other code gets the usual answer: the expired message proves nothing to a guesser.
    const wrong = pageText(await (await change('ABCD-EFGH-JKLM')).text());
    expect(wrong).toContain('Användarnamnet eller lösenordet är fel');
    expect(wrong).not.toContain('gått ut');
    const throttle = await t.db.selectFrom('login_throttle').select(['attempts', 'locked_until']).execute();
    expect(throttle).toContainEqual({ attempts: 1, locked_until: null });
  });

  it('refuses a flood from one client with 429 and a Swedish message', async () => {
    const own = await freshDatabase();
    const flood = await startServer({ DATABASE_URL: own.url, LOGIN_CLIENT_LIMIT: '3' });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await login(flood, `fl000${i}`, 'gissning gissning gissning')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const last = await login(flood, 'fl0009', 'gissning gissning gissning');
      expect(pageText(await last.text())).toContain('för många försök från din dator');
    } finally {
      await flood.stop();
      await own.drop();
    }
  });

  it('takes the code with the username in a browser without the kiosk cookie, answering unknown and known usernames alike', async () => {
    const enter = (username: string, code: string) => postForm(`${a.url}/losenordskiosk/glomt/kod?_action=auth.enterCode`, { username, code });
    // The e-mail's link, opened anywhere: asks for the username as well as the code.
    const page = pageText(await (await fetch(`${a.url}/losenordskiosk/glomt/kod`)).text());
    expect(page).toContain('Användarnamn');
    expect(page).not.toContain('Tiden för det här steget har gått ut');
    const strip = (html: string) => pageText(html).replace(/hp0002|xx9998/g, 'NAMN');
    const known = await enter('hp0002', '12345678');
    const unknown = await enter('xx9998', '12345678');
    expect(known.status).toBe(400);
    expect(unknown.status).toBe(known.status);
    expect(strip(await unknown.text())).toBe(strip(await known.text()));
    const missing = await postForm(`${a.url}/losenordskiosk/glomt/kod?_action=auth.enterCode`, { code: '12345678' });
    expect(missing.status).toBe(400);
    expect(pageText(await missing.text())).toContain('Ange ditt användarnamn');
  });
});
