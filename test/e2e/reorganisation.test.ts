import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const RECEIVER_PASSWORD = 'mottagarens eget långa lösenord';
const LISA_PASSWORD = 'Blåbärssylt kanot fyrtorn dimma';
// What the issue saw in the log: stored keys ("after: admin_org; before:") and UTC times.
const KEY_VALUE = /(^|[\s;(])[A-Za-z_]+: /;
const ISO_TIME = /\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}:\d{2}/;

describe('Reorganisation with care and a readable event log (demo organisation)', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let adminContext: BrowserContext;
  let admin: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  const unitId = async (name: string) => (await t.db.selectFrom('unit').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
  const organisation = '/mina-tjanster/organisation';

  const signIn = async (page: Page, username: string, password: string) => {
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/mina-tjanster');
  };

  /** Posts a form as the signed-in administrator (repeated fields allowed), as the pages' forms do. */
  const post = async (path: string, fields: Array<[string, string]>) => {
    const cookie = (await adminContext.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'Sec-Fetch-Site': 'same-origin', Cookie: cookie },
      body: new URLSearchParams(fields).toString(),
    });
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000' });
    const now = new Date();
    const receiver = (
      await t.db
        .insertInto('organisation')
        .values({ org_number: '5562222222', name: 'Mottagarskolan AB', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await t.db.insertInto('organisation_area').values({ organisation_id: receiver, area_key: 'YH', approved_at: now }).execute();
    await t.db.insertInto('unit').values({ organisation_id: receiver, name: 'Mottagarskolan AB', is_main: true, created_at: now }).execute();
    const holder = await insertUser(
      t.db,
      {
        username: 'mo0001',
        kind: 'member',
        organisationId: receiver,
        firstName: 'Mona',
        lastName: 'Mottagare',
        email: 'mona@mottagarskolan.example',
        passwordHash: await hashPassword(RECEIVER_PASSWORD),
        passwordChangedAt: now,
        termsVersion: CURRENT_TERMS_VERSION,
      },
      now,
    );
    await t.db.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', holder.id).execute();
    adminContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    admin = await adminContext.newPage();
    admin.setDefaultTimeout(8000);
    collectPageErrors(admin, errors);
    await signIn(admin, 'ds1001', DEMO_PASSWORD);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('splits a unit taking the roles the administrator chose, after a confirmation page that says so', async () => {
    const arts = await unitId('Demoskolan Konstlinjen');
    await visit(admin, `${server.url}${organisation}/enhet/${arts}`);
    await admin.getByRole('link', { name: 'Dela enheten' }).click();
    await admin.waitForURL(/\/dela$/);
    await expectAccessible(admin);
    await admin.getByLabel('Namn på den nya enheten').fill('Demoskolan Konstlinjen Syd');
    await admin.getByRole('group', { name: 'Ali Karimi (ds1002)' }).getByLabel('Hantera ansökan KK').check();
    await admin.getByRole('button', { name: 'Fortsätt' }).click();
    await admin.waitForURL(/steg=bekrafta/);
    await expectAccessible(admin);
    expect(await admin.getByRole('heading', { level: 1 }).textContent()).toBe('Vill du dela Demoskolan Konstlinjen och skapa Demoskolan Konstlinjen Syd?');
    const main = (await admin.locator('main').textContent()) ?? '';
    expect(main).toContain('1 roll för 1 användare flyttas från Demoskolan Konstlinjen till Demoskolan Konstlinjen Syd');
    expect(main).toContain('Ali Karimi (ds1002): Hantera ansökan KK');
    // Nothing has changed before the confirmation.
    expect(await t.db.selectFrom('unit').select('id').where('name', '=', 'Demoskolan Konstlinjen Syd').executeTakeFirst()).toBeUndefined();
    await admin.getByRole('button', { name: 'Ja, dela enheten' }).click();
    await admin.waitForURL(/\/enhet\/\d+\?klart=delad$/);
    await expectAccessible(admin);
    expect(await admin.getByRole('status').textContent()).toContain('De roller du valde finns nu i den.');
    const south = await unitId('Demoskolan Konstlinjen Syd');
    const ali = await t.db
      .selectFrom('user_unit_role')
      .innerJoin('app_user', 'app_user.id', 'user_unit_role.user_id')
      .select(['unit_id', 'role_key'])
      .where('username', '=', 'ds1002')
      .where('role_key', '=', 'KK_ANSOKAN')
      .execute();
    expect(ali).toEqual([{ unit_id: south, role_key: 'KK_ANSOKAN' }]);
  });

  it('merges back after a confirmation page that says what happens to the users and their roles, answering with its own message', async () => {
    const [arts, south] = [await unitId('Demoskolan Konstlinjen'), await unitId('Demoskolan Konstlinjen Syd')];
    await visit(admin, `${server.url}${organisation}/enhet/${south}`);
    await admin.getByRole('link', { name: 'Slå ihop med en annan enhet' }).click();
    await admin.getByLabel('Enhet att slå ihop med').selectOption({ label: 'Demoskolan Konstlinjen' });
    await admin.getByRole('button', { name: 'Fortsätt' }).click();
    await admin.waitForURL(/sla-ihop\?into=\d+$/);
    await expectAccessible(admin);
    const main = (await admin.locator('main').textContent()) ?? '';
    expect(main).toContain('1 roll för 1 användare i Demoskolan Konstlinjen Syd flyttas till Demoskolan Konstlinjen.');
    expect(main).toContain('Användarna finns kvar i organisationen');
    await admin.getByRole('button', { name: 'Ja, slå ihop enheterna' }).click();
    await admin.waitForURL(`**/enhet/${arts}?klart=sammanslagen`);
    await expectAccessible(admin);
    expect(await admin.getByRole('status').textContent()).toContain('Enheterna är sammanslagna.');
  });

  it('moves a unit through a confirmation page; the receiver is e-mailed, can decline, and can accept a new offer', async () => {
    await visit(admin, `${server.url}${organisation}/enheter/ny`);
    await admin.getByLabel('Enhetens namn').fill('Demoskolan Väst');
    await admin.getByRole('button', { name: 'Lägg till enheten' }).click();
    await admin.waitForURL('**/enheter?klart=enhet');
    const west = await unitId('Demoskolan Väst');
    const propose = async () => {
      await visit(admin, `${server.url}${organisation}/enhet/${west}`);
      await admin.getByRole('link', { name: 'Flytta enheten till en annan organisation' }).click();
      await admin.waitForURL(/\/flytta$/);
      await admin.getByLabel('Mottagande organisationens organisationsnummer').fill('556999-9999');
      await admin.getByRole('button', { name: 'Fortsätt' }).click();
      expect(await admin.getByRole('alert').textContent()).toContain('Det finns ingen organisation med det organisationsnumret');
      await expectAccessible(admin);
      await admin.getByLabel('Mottagande organisationens organisationsnummer').fill('556222-2222');
      await admin.getByRole('button', { name: 'Fortsätt' }).click();
      await admin.waitForURL(/flytta\?org=/);
      await expectAccessible(admin);
      expect(await admin.getByRole('heading', { level: 1 }).textContent()).toBe('Vill du föreslå att Demoskolan Väst flyttas till Mottagarskolan AB?');
      expect(await admin.locator('main').textContent()).toContain('Administratörerna för Mottagarskolan AB får ett e-postmeddelande');
      await admin.getByRole('button', { name: 'Ja, föreslå flytten' }).click();
      await admin.waitForURL(`**/enhet/${west}?klart=flytt`);
      expect(await admin.getByRole('status').textContent()).toContain('Förslaget är skickat.');
    };
    await propose();
    const mail = await waitForMail(t.db, 'mona@mottagarskolan.example', /Demoskolan AB vill flytta enheten Demoskolan Väst till er/);
    expect(mail.text).toContain('ta emot enheten eller tacka nej');

    const receiver = await (await browser.newContext()).newPage();
    collectPageErrors(receiver, errors);
    await signIn(receiver, 'mo0001', RECEIVER_PASSWORD);
    await visit(receiver, `${server.url}${organisation}`);
    expect(await receiver.locator('main').textContent()).toContain('Demoskolan Väst från Demoskolan AB');
    await receiver.getByRole('button', { name: 'Tacka nej till Demoskolan Väst' }).click();
    await receiver.waitForURL('**/mina-tjanster/organisation?klart=avbojd');
    await expectAccessible(receiver);
    expect(await receiver.getByRole('status').textContent()).toContain('Du har tackat nej till enheten.');
    const owner = async () =>
      (
        await t.db
          .selectFrom('unit')
          .innerJoin('organisation', 'organisation.id', 'unit.organisation_id')
          .select('organisation.name')
          .where('unit.id', '=', west)
          .executeTakeFirstOrThrow()
      ).name;
    expect(await owner()).toBe('Demoskolan AB');

    await propose();
    await waitForMail(t.db, 'mona@mottagarskolan.example', /Demoskolan AB vill flytta enheten Demoskolan Väst till er/, mail.id);
    await visit(receiver, `${server.url}${organisation}`);
    await receiver.getByRole('button', { name: 'Ta emot Demoskolan Väst' }).click();
    await receiver.waitForURL(/\/enheter\/erbjudande\/\d+$/);
    await expectAccessible(receiver);
    expect(await receiver.getByRole('heading', { level: 1 }).textContent()).toBe('Vill ni ta emot Demoskolan Väst från Demoskolan AB?');
    expect(await receiver.locator('main').textContent()).toContain('Alla roller som användare hos Demoskolan AB har i enheten upphör');
    expect(await owner()).toBe('Demoskolan AB');
    await receiver.getByRole('button', { name: 'Ja, ta emot enheten' }).click();
    await receiver.waitForURL('**/enheter?klart=mottagen');
    expect(await receiver.getByRole('status').textContent()).toContain('Enheten tillhör nu er organisation.');
    expect(await owner()).toBe('Mottagarskolan AB');
    await receiver.close();
  });

  it('writes every event of the log as a Swedish sentence in Swedish time, each kind in the filter, and exports it as CSV', async () => {
    const [main, arts] = [await unitId('Demoskolan AB'), await unitId('Demoskolan Konstlinjen')];
    const added = await post(`${organisation}/anvandare/ny?_action=organisation.addUser`, [
      ['firstName', 'Lisa'],
      ['lastName', 'Nord'],
      ['email', 'lisa@demoskolan.example'],
      ['roles', `${main}:YH_ANSOKAN`],
    ]);
    expect(added.status).toBe(303);
    const lisa = Number(/anvandare\/(\d+)/.exec(added.headers.get('location') ?? '')![1]);
    const username = (await t.db.selectFrom('app_user').select('username').where('id', '=', lisa).executeTakeFirstOrThrow()).username;
    const roles = await post(`${organisation}/anvandare/${lisa}?_action=organisation.setRoles`, [
      ['user', String(lisa)],
      ['roles', `${main}:YH_ANSOKAN`],
      ['roles', `${arts}:KK_ANSOKAN`],
      ['units', String(main)],
      ['units', String(arts)],
      ['orgAdmin', 'ja'],
      ['orgAdminShown', 'ja'],
    ]);
    expect(roles.status).toBe(303);
    // Her login details follow the letter (printed first); the administrator sends a one-time password at once.
    const code = await post(`${organisation}/anvandare/${lisa}?_action=organisation.sendOneTimePassword`, [['user', String(lisa)]]);
    expect(code.status).toBe(303);

    // Lisa's first login with the newest one-time password.
    const otp = await waitForMail(t.db, 'lisa@demoskolan.example', /engångslösenord/);
    const first = await (await browser.newContext()).newPage();
    collectPageErrors(first, errors);
    await first.goto(`${server.url}/losenordskiosk/byt`);
    await first.getByLabel('Användarnamn').fill(username);
    await first.getByLabel('Lösenord eller engångslösenord').fill(/Ditt engångslösenord är: ([A-Z0-9-]+)/.exec(otp.text)![1]);
    await first.getByRole('button', { name: 'Fortsätt' }).click();
    await first.getByLabel('Nytt lösenord').fill(LISA_PASSWORD);
    await first.getByLabel('Bekräfta lösenord').fill(LISA_PASSWORD);
    await first.getByRole('button', { name: 'Spara lösenordet' }).click();
    await first.waitForURL('**/losenordskiosk/klart');
    await first.close();
    const inactivated = await post(`${organisation}/anvandare/${lisa}?_action=organisation.setActive`, [
      ['user', String(lisa)],
      ['active', 'nej'],
    ]);
    expect(inactivated.status).toBe(303);

    await visit(admin, `${server.url}${organisation}/logg`);
    const rows = (await admin.locator('tbody tr').allTextContents()).map((row) => row.replace(/\s+/g, ' '));
    const log = rows.join('\n');
    for (const row of rows) {
      expect(row).not.toMatch(KEY_VALUE);
      expect(row).not.toMatch(ISO_TIME);
    }
    for (const sentence of [
      'Lade till användaren Lisa Nord',
      'Lade till rollen Hantera ansökan KK i Demoskolan Konstlinjen för Lisa Nord.',
      'Gav Lisa Nord rollen Administratör organisation.',
      'Ett engångslösenord skickades till Lisa Nord.',
      'Lisa Nord valde sitt första lösenord',
      'Inaktiverade Lisa Nord',
      'Maria Lindqvist loggade in.',
      'Delade Demoskolan Konstlinjen. Den nya enheten Demoskolan Konstlinjen Syd fick 1 roll för 1 användare.',
      'Slog ihop Demoskolan Konstlinjen Syd med Demoskolan Konstlinjen.',
      'Lade till enheten Demoskolan Väst.',
      'Föreslog att enheten Demoskolan Väst flyttas till Mottagarskolan AB.',
      'Mottagarskolan AB tackade nej till att ta emot enheten Demoskolan Väst från Demoskolan AB.',
      'Enheten Demoskolan Väst flyttades från Demoskolan AB till Mottagarskolan AB.',
    ])
      expect(log).toContain(sentence);
    // Every kind the log shows can be chosen in the filter.
    const options = await admin.locator('#typ option').allTextContents();
    const shown = new Set(await admin.locator('tbody .kind').allTextContents());
    expect(shown.size).toBeGreaterThan(8);
    for (const kind of shown) expect(options, kind).toContain(kind);
    for (const kind of ['Inloggning', 'Engångslösenord eller kod skickad', 'Enhet delad', 'Enheter sammanslagna', 'Flytt av enhet avböjd'])
      expect(options).toContain(kind);

    await admin.getByLabel('Typ av händelse').selectOption({ label: 'Inloggning' });
    await admin.getByRole('button', { name: 'Filtrera' }).click();
    await admin.waitForURL(/typ=login\.succeeded/);
    await expectAccessible(admin);
    expect(new Set(await admin.locator('tbody .kind').allTextContents())).toEqual(new Set(['Inloggning']));

    // The CSV export of the filtered log: BOM, semicolons, the same sentences.
    const href = await admin.getByRole('link', { name: /Ladda ner loggen som CSV-fil/ }).getAttribute('href');
    const csv = await admin.request.get(`${server.url}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    const bytes = await csv.body();
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('"Tid";"Vem";"Typ av händelse";"Gäller";"Händelse"');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((line) => line.includes('"Inloggning"') && !ISO_TIME.test(line))).toBe(true);
  });

  it('shows the browser, the system and the network on the security page in words', async () => {
    await visit(admin, `${server.url}/mina-tjanster/sakerhet`);
    const text = (await admin.locator('main').textContent()) ?? '';
    expect(text).toContain('Chrome på Linux');
    expect(text).toContain('Samma nätverk som du använder nu');
    expect(text).not.toMatch(/Chrome\/\d|127\.0\.0\.0/);
  });
});
