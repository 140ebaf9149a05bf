import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { oneTimePasswordMail } from '#server/mail/templates.ts';
import { issueCode } from '#server/identity/one-time-code.ts';
import { startSmtpSink, type RunningSink } from '#server/runtime/smtp-sink.ts';
import { insertUser } from '#server/identity/users.ts';
import { collectPageErrors, expectAccessible, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { NGINX_TEMPLATE, prepareProxy, type TestProxy } from '../helpers/nginx.ts';
import { freePort } from '../helpers/ports.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createOrganisation } from '../helpers/users.ts';

const LOGIN_CLIENT_LIMIT = 10;
const OWN_PASSWORD = 'ett eget lösenord bakom lastbalanseraren';

/** A form post through the proxy, trusting its self-signed certificate, as a program (not a browser) sends it. */
function post(proxy: TestProxy, path: string, fields: Record<string, string>, headers: Record<string, string>): Promise<number> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${proxy.url}${path}`,
      {
        method: 'POST',
        ca: proxy.certificate,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** A GET through the proxy, trusting its self-signed certificate; the body as text. */
function get(proxy: TestProxy, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.url}${path}`, { ca: proxy.certificate }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Requests each instance has logged, so the test can see that both served the journey. */
const servedRequests = (server: TestServer) =>
  server
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"request"')).length;

describe('production behind a TLS-terminating nginx with two instances on one database', () => {
  let t: TestDatabase;
  let sink: RunningSink;
  let proxy: TestProxy;
  let servers: TestServer[] = [];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  const check = async () => {
    await page.waitForLoadState('load');
    await expectAccessible(page);
  };
  const loginPost = (username: string, headers: Record<string, string>) =>
    post(proxy, '/logga-in?_action=auth.login', { username, password: 'gissning gissning gissning' }, { 'Sec-Fetch-Site': 'same-origin', ...headers });

  beforeAll(async () => {
    proxy = await prepareProxy();
    browser = await launchBrowser();
    t = await freshDatabase();
    sink = await startSmtpSink(t.db, await freePort());
    const env = {
      APP_MODE: 'production',
      DATABASE_URL: t.url,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      PUBLIC_URL: proxy.url,
      SECRET_KEY: 'k'.repeat(40),
      TRUST_PROXY: proxy.upstreamAddress,
      LOGIN_CLIENT_LIMIT: String(LOGIN_CLIENT_LIMIT),
      // One log line per request, to see which instance served what.
      LOG_LEVEL: 'info',
    };
    servers = await Promise.all([startServer(env), startServer(env)]);
    await proxy.start([new URL(servers[0].url).host, new URL(servers[1].url).host]);
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    for (const server of servers) await server.stop();
    await sink?.stop();
    await t?.drop();
  });

  it('publishes the OpenID provider under PUBLIC_URL/oidc with https:// issuer and endpoints', async () => {
    const discovery = JSON.parse(await get(proxy, '/oidc/.well-known/openid-configuration'));
    expect(discovery.issuer).toBe(`${proxy.url}/oidc`);
    expect(discovery.issuer.startsWith('https://')).toBe(true);
    for (const [name, value] of Object.entries(discovery)) {
      if (name.endsWith('_endpoint') || name === 'jwks_uri') expect(value, name).toMatch(new RegExp(`^${proxy.url}/oidc/`));
    }
    const jwks = JSON.parse(await get(proxy, '/oidc/jwks'));
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
  });

  it('refuses a form post whose Origin is another site with 403, and passes the same post from PUBLIC_URL', async () => {
    expect(await loginPost('xx0001', { Origin: 'https://angripare.example' })).toBe(403);
    expect(await loginPost('xx0001', { Origin: proxy.url })).toBe(401);
  });

  it('counts logins per client behind the proxy, whatever the client writes in X-Forwarded-For', async () => {
    // A window of its own: the journey below logs in from the same client.
    await t.db.deleteFrom('rate_limit').execute();
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) {
      statuses.push(await loginPost(`xf${String(i).padStart(4, '0')}`, { Origin: proxy.url, 'X-Forwarded-For': `198.51.100.${i}` }));
    }
    expect(statuses.slice(0, LOGIN_CLIENT_LIMIT)).toEqual(Array(LOGIN_CLIENT_LIMIT).fill(401));
    expect(statuses.slice(LOGIN_CLIENT_LIMIT)).toEqual(Array(70 - LOGIN_CLIENT_LIMIT).fill(429));
    await t.db.deleteFrom('rate_limit').execute();
  });

  it('takes a new fullmaktshavare through the kiosk, the terms and an organisation change, on whichever instance is up', async () => {
    const org = await createOrganisation(t.db, 'Lastbalanserade skolan AB');
    const now = new Date();
    await t.db.insertInto('organisation_area').values({ organisation_id: org.id, area_key: 'YH', approved_at: now }).execute();
    const user = await insertUser(
      t.db,
      {
        username: 'lb0001',
        kind: 'member',
        organisationId: org.id,
        firstName: 'Lena',
        lastName: 'Balans',
        email: 'lena@lastbalanserade.example',
        passwordHash: null,
        passwordChangedAt: null,
        termsVersion: null,
      },
      now,
    );
    await t.db.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', user.id).execute();
    await t.db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: org.mainUnitId, role_key: 'YH_ANSOKAN', granted_at: now }).execute();
    await t.db.transaction().execute(async (trx) => {
      const { code, expiresAt } = await issueCode(trx, user.id, 'first_login', 7 * 24 * 3600_000, { now: () => new Date() });
      await enqueueMail(trx, user.email, oneTimePasswordMail(user, code, expiresAt, parseConfig({ PUBLIC_URL: proxy.url })));
    });
    // Sent by an instance's outbox sender over SMTP, not by the test.
    const mail = await waitForMail(t.db, 'lena@lastbalanserade.example', /engångslösenord/);
    const oneTimePassword = /Ditt engångslösenord är: ([A-Z0-9-]+)/.exec(mail.text)![1];
    const link = /(https:\S+\/losenordskiosk\/byt)/.exec(mail.text)![1];
    expect(link.startsWith(`${proxy.url}/`)).toBe(true);

    await page.goto(link);
    await check();
    await page.getByLabel('Användarnamn').fill('lb0001');
    await page.getByLabel('Lösenord eller engångslösenord').fill(oneTimePassword);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForURL('**/losenordskiosk/nytt-losenord');
    await check();
    await page.getByLabel('Nytt lösenord').fill(OWN_PASSWORD);
    await page.getByLabel('Bekräfta lösenord').fill(OWN_PASSWORD);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart');
    await check();

    await page.goto(`${proxy.url}/logga-in`);
    await check();
    await page.getByLabel('Användarnamn').fill('lb0001');
    await page.getByLabel('Lösenord', { exact: true }).fill(OWN_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/mina-tjanster/villkor');
    await check();
    await page.getByLabel('Jag har läst villkoren och godkänner dem').check();
    await page.getByRole('button', { name: 'Godkänn villkoren' }).click();
    await page.waitForURL('**/mina-tjanster');
    await check();
    const session = (await context.cookies()).find((cookie) => cookie.httpOnly && cookie.secure);
    expect(session, 'a Secure, HttpOnly session cookie').toBeDefined();
    // Round robin: both instances have served this journey so far.
    expect(servedRequests(servers[0])).toBeGreaterThan(0);
    expect(servedRequests(servers[1])).toBeGreaterThan(0);

    // An instance is taken out mid-journey (a deploy, a crash); the session lives in Postgres.
    expect(await servers[0].stop('SIGTERM'), 'the stopped instance shuts down cleanly').toBe(0);
    const servedBefore = servedRequests(servers[1]);

    await page.getByRole('link', { name: 'Organisation och användare' }).click();
    await page.waitForURL('**/mina-tjanster/organisation');
    await check();
    await page.getByRole('navigation', { name: 'Organisationens sidor' }).getByRole('link', { name: 'Enheter' }).click();
    await page.waitForURL('**/mina-tjanster/organisation/enheter');
    await page.getByRole('button', { name: 'Lägg till enhet' }).click();
    await page.waitForURL('**/mina-tjanster/organisation/enheter/ny');
    await check();
    await page.getByLabel('Enhetens namn').fill('Lastbalanserade skolan Distans');
    await page.getByRole('button', { name: 'Lägg till enheten' }).click();
    await page.waitForURL('**/mina-tjanster/organisation/enheter?klart=enhet');
    await check();
    expect(await page.getByRole('cell', { name: 'Lastbalanserade skolan Distans' }).count()).toBe(1);
    const units = await t.db.selectFrom('unit').select('name').where('organisation_id', '=', org.id).orderBy('name').execute();
    expect(units.map((unit) => unit.name)).toEqual(['Lastbalanserade skolan AB', 'Lastbalanserade skolan Distans']);
    expect((await context.cookies()).find((cookie) => cookie.name === session!.name)?.value).toBe(session!.value);

    await page.getByRole('button', { name: 'Logga ut' }).first().click();
    await page.waitForURL('**/logga-in?utloggad=1');
    await check();
    expect(await page.getByRole('status').textContent()).toContain('Du är utloggad');
    await page.goto(`${proxy.url}/mina-tjanster`);
    await page.waitForURL('**/logga-in?next=%2Fmina-tjanster');
    expect(servedRequests(servers[1])).toBeGreaterThan(servedBefore);
  });

  it('ran every page without a script error or a CSP violation', () => {
    expect(errors).toEqual([]);
  });

  it('is the nginx example the README shows', () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = readFileSync(NGINX_TEMPLATE, 'utf8').trim();
    expect(readme.includes(example), `README.md shows ${NGINX_TEMPLATE} verbatim`).toBe(true);
  });
});
