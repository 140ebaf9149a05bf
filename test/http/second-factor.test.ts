import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enterCode, requestReset, setNewPassword } from '#server/kiosk/kiosk.ts';
import { readTicket } from '#server/kiosk/ticket.ts';
import { systemClock } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { hashPassword } from '#server/identity/password.ts';
import { factorOverview } from '#server/identity/second-factor.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { codeNow, enrolTotp } from '../helpers/second-factor.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';

const PASSWORD = 'lösenord för den andra faktorn';
const STEP = '/logga-in/steg-tva';

describe('the second factor over HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  const login = (username: string) => postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD });
  const get = (path: string, cookie: string) => fetch(`${server.url}${path}`, { headers: { Cookie: cookie }, redirect: 'manual' });
  const staff = async (username: string) =>
    insertUser(
      t.db,
      {
        username,
        kind: 'staff',
        organisationId: null,
        firstName: 'Stina',
        lastName: 'Stöd',
        email: `${username}@myndighet.example`,
        passwordHash: await hashPassword(PASSWORD),
        passwordChangedAt: new Date(),
        termsVersion: CURRENT_TERMS_VERSION,
      },
      new Date(),
    );

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000', MFA_REQUIRED_FOR: 'staff', LOCKOUT_MAX_FAILURES: '3' });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('takes staff without a factor to the enrolment page before anything else, and a member nowhere', async () => {
    await staff('sf0001');
    const response = await login('sf0001');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/mina-tjanster/sakerhet/ny-faktor?tillbaka=%2Fhandlaggning');
    const cookie = cookiesOf(response);
    for (const path of ['/handlaggning', '/handlaggning/anvandare', '/mina-tjanster/sakerhet', '/mina-tjanster/byt-losenord']) {
      const page = await get(path, cookie);
      expect(page.status, path).toBe(303);
      expect(page.headers.get('location'), path).toMatch(/^\/mina-tjanster\/sakerhet\/ny-faktor\?tillbaka=/);
    }
    const action = await postForm(`${server.url}/handlaggning/anvandare/1?_action=support.unlock`, { user: '1' }, cookie);
    expect(action.status).toBe(303);
    expect(action.headers.get('location')).toMatch(/^\/mina-tjanster\/sakerhet\/ny-faktor/);
    const rpc = await fetch(`${server.url}/_actions/support.unlock`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json', Origin: server.url, 'Sec-Fetch-Site': 'same-origin' },
      body: '{"user":1}',
    });
    expect(rpc.status).toBe(403);
    const enrol = await get('/mina-tjanster/sakerhet/ny-faktor?tillbaka=%2Fhandlaggning', cookie);
    expect(enrol.status).toBe(200);
    expect(pageText(await enrol.text())).toContain('Ditt konto behöver en inloggningsmetod till');

    await createMember(t.db, { username: 'mf0001', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
    const member = await login('mf0001');
    expect(member.headers.get('location')).toBe('/mina-tjanster');
    expect((await get('/mina-tjanster', cookiesOf(member))).status).toBe(200);
  });

  it('asks a user with an app for a code after the password, takes it once, and opens the pages', async () => {
    const user = await createMember(t.db, { username: 'mf0002', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
    const { secret } = await enrolTotp(t.db, user.id);
    const response = await login('mf0002');
    expect(response.headers.get('location')).toBe(`${STEP}?tillbaka=%2Fmina-tjanster`);
    const cookie = cookiesOf(response);
    const blocked = await get('/mina-tjanster/organisation?flik=1', cookie);
    expect(blocked.status).toBe(303);
    expect(blocked.headers.get('location')).toBe(`${STEP}?tillbaka=%2Fmina-tjanster%2Forganisation%3Fflik%3D1`);
    const step = await get(`${STEP}?tillbaka=%2Fmina-tjanster`, cookie);
    expect(step.status).toBe(200);
    const html = await step.text();
    expect(html).toMatch(/<input[^>]*autocomplete="one-time-code"/);
    expect(html).toMatch(/<input[^>]*inputmode="numeric"/);

    const badFormat = await postForm(`${server.url}${STEP}?_action=mfa.verifyApp`, { code: '12ab', tillbaka: '/mina-tjanster' }, cookie);
    expect(badFormat.status).toBe(400);
    expect(pageText(await badFormat.text())).toContain('Skriv in koden med 6 siffror');
    const wrong = codeNow(secret) === '000000' ? '111111' : '000000';
    const refused = await postForm(`${server.url}${STEP}?_action=mfa.verifyApp`, { code: wrong, tillbaka: '/mina-tjanster' }, cookie);
    expect(refused.status).toBe(401);
    expect(pageText(await refused.text())).toContain('Koden stämmer inte');

    const code = codeNow(secret);
    const accepted = await postForm(`${server.url}${STEP}?_action=mfa.verifyApp`, { code, tillbaka: '//evil.example/' }, cookie);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe('/mina-tjanster');
    expect((await get('/mina-tjanster', cookie)).status).toBe(200);
    // The step page has nothing more to ask.
    expect((await get(STEP, cookie)).headers.get('location')).toBe('/mina-tjanster');

    // The same code in a new login is refused.
    const again = cookiesOf(await login('mf0002'));
    const replay = await postForm(`${server.url}${STEP}?_action=mfa.verifyApp`, { code }, again);
    expect(replay.status).toBe(401);
  });

  it('still asks for the app at the next login after a password reset in the kiosk', async () => {
    const user = await createMember(t.db, { username: 'mf0007', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
    await enrolTotp(t.db, user.id);
    const context = { clock: systemClock, config: parseConfig({}), client: '' };
    const { ticket } = await requestReset(t.db, 'mf0007', context);
    const mail = await t.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const code = /Din kod är: (\d{8})/.exec(mail.text_body)![1];
    const entered = await enterCode(t.db, (await readTicket(t.db, ticket, 'code', systemClock))!, code, context);
    const fresh = 'ett nytt lösenord efter återställningen';
    const next = (await readTicket(t.db, (entered as { ticket: string }).ticket, 'new_password', systemClock))!;
    expect((await setNewPassword(t.db, next, fresh, fresh, context)).kind).toBe('ok');
    const response = await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'mf0007', password: fresh });
    expect(response.headers.get('location')).toBe(`${STEP}?tillbaka=%2Fmina-tjanster`);
    expect((await get('/mina-tjanster', cookiesOf(response))).status).toBe(303);
  });

  it('says the account is locked at the second step after wrong codes, as the login page does', async () => {
    const user = await createMember(t.db, { username: 'mf0003', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
    await enrolTotp(t.db, user.id);
    const cookie = cookiesOf(await login('mf0003'));
    const statuses = [];
    let last = '';
    for (const code of ['000001', '000002', '000003', '000004']) {
      const response = await postForm(`${server.url}${STEP}?_action=mfa.verifyApp`, { code }, cookie);
      statuses.push(response.status);
      last = pageText(await response.text());
    }
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(last).toContain('Kontot är tillfälligt låst');
    expect(last).toContain('Beställ en kod i lösenordskiosken');
    const page = pageText(await (await get(STEP, cookie)).text());
    expect(page).toContain('Kontot är tillfälligt låst');
    const password = await login('mf0003');
    expect(password.status).toBe(401);
    expect(pageText(await password.text())).toContain('Kontot är tillfälligt låst');
  });

  it('takes a recovery code once and mails its owner how many remain', async () => {
    const user = await createMember(t.db, { username: 'mf0004', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION, email: 'mf0004@skolan.example' });
    const { recoveryCodes } = await enrolTotp(t.db, user.id);
    const cookie = cookiesOf(await login('mf0004'));
    const used = await postForm(`${server.url}${STEP}?_action=mfa.verifyRecovery`, { recoveryCode: recoveryCodes[0] }, cookie);
    expect(used.status).toBe(303);
    expect(used.headers.get('location')).toBe('/mina-tjanster');
    expect((await get('/mina-tjanster', cookie)).status).toBe(200);
    const mail = await waitForMail(t.db, 'mf0004@skolan.example', /reservkod har använts/);
    expect(mail.text).toContain('Du har 9 oanvända reservkoder kvar.');

    const again = cookiesOf(await login('mf0004'));
    const reuse = await postForm(`${server.url}${STEP}?_action=mfa.verifyRecovery`, { recoveryCode: recoveryCodes[0] }, again);
    expect(reuse.status).toBe(401);
    expect(pageText(await reuse.text())).toContain('Reservkoden stämmer inte eller har redan använts');
  });

  it('lets the support desk remove a member’s login methods with a reason, audited and mailed, only with its own second factor', async () => {
    const desk = await staff('sf0002');
    const { secret } = await enrolTotp(t.db, desk.id);
    const member = await createMember(t.db, { username: 'mf0005', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION, email: 'mf0005@skolan.example' });
    await enrolTotp(t.db, member.id);
    const response = await login('sf0002');
    expect(response.headers.get('location')).toBe(`${STEP}?tillbaka=%2Fhandlaggning`);
    const cookie = cookiesOf(response);
    // Before the second step the confirmation page is out of reach.
    expect((await get(`/handlaggning/anvandare/${member.id}/inloggningsmetoder`, cookie)).status).toBe(303);
    expect((await postForm(`${server.url}${STEP}?_action=mfa.verifyApp`, { code: codeNow(secret) }, cookie)).status).toBe(303);

    const userPage = pageText(await (await get(`/handlaggning/anvandare/${member.id}`, cookie)).text());
    expect(userPage).toContain('App för engångskoder, 10 oanvända reservkoder');
    const confirm = await get(`/handlaggning/anvandare/${member.id}/inloggningsmetoder`, cookie);
    expect(confirm.status).toBe(200);
    const target = `${server.url}/handlaggning/anvandare/${member.id}/inloggningsmetoder?_action=support.removeFactors`;
    const noReason = await postForm(target, { user: String(member.id), reason: '  ' }, cookie);
    expect(noReason.status).toBe(400);
    expect(pageText(await noReason.text())).toContain('Ange skälet');
    expect((await factorOverview(t.db, member.id)).enrolled).toBe(true);

    const removed = await postForm(target, { user: String(member.id), reason: 'Tappat telefonen, ringde upp på organisationens nummer' }, cookie);
    expect(removed.status).toBe(303);
    expect(removed.headers.get('location')).toBe(`/handlaggning/anvandare/${member.id}?klart=inloggningsmetoder`);
    expect(await factorOverview(t.db, member.id)).toMatchObject({ enrolled: false, recoveryUnused: 0 });
    const audit = await t.db
      .selectFrom('audit_event')
      .select(['actor_user_id', 'detail'])
      .where('event', '=', 'mfa.removedBySupport')
      .where('subject_user_id', '=', member.id)
      .executeTakeFirstOrThrow();
    expect(audit.actor_user_id).toBe(desk.id);
    expect(audit.detail).toMatchObject({ reason: 'Tappat telefonen, ringde upp på organisationens nummer', app: 1, recoveryCodes: 10 });
    const mail = await waitForMail(t.db, 'mf0005@skolan.example', /inloggningsmetoder har tagits bort/);
    expect(mail.text).toContain('mf0005');
    // The member now logs in with the password alone.
    expect((await login('mf0005')).headers.get('location')).toBe('/mina-tjanster');
    // A staff account is not the desk's to change.
    const other = await staff('sf0003');
    await enrolTotp(t.db, other.id);
    const refused = await postForm(
      `${server.url}/handlaggning/anvandare/${other.id}/inloggningsmetoder?_action=support.removeFactors`,
      { user: String(other.id), reason: 'x' },
      cookie,
    );
    expect(refused.status).toBe(403);
    expect((await factorOverview(t.db, other.id)).enrolled).toBe(true);
  });

  it('refuses a handläggare without a second factor in the session, where the policy does not require one', async () => {
    const relaxed = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000', MFA_REQUIRED_FOR: 'none' });
    try {
      await staff('sf0004');
      const member = await createMember(t.db, { username: 'mf0006', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
      await enrolTotp(t.db, member.id);
      const response = await postForm(`${relaxed.url}/logga-in?_action=auth.login`, { username: 'sf0004', password: PASSWORD });
      expect(response.headers.get('location')).toBe('/handlaggning');
      const cookie = cookiesOf(response);
      const refused = await postForm(
        `${relaxed.url}/handlaggning/anvandare/${member.id}/inloggningsmetoder?_action=support.removeFactors`,
        { user: String(member.id), reason: 'Tappat telefonen' },
        cookie,
      );
      expect(refused.status).toBe(403);
      expect(pageText(await refused.text())).toContain('Du behöver själv ha loggat in med en andra inloggningsmetod');
      expect((await factorOverview(t.db, member.id)).enrolled).toBe(true);
    } finally {
      await relaxed.stop();
    }
  });
});
