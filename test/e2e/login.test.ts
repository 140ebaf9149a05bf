import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { oneTimePasswordMail } from '#server/mail/templates.ts';
import { issueCode } from '#server/identity/one-time-code.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, captchaSolved } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase, rowCount } from '../helpers/database.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { createMember } from '../helpers/users.ts';

const FIRST = 'mitt första egna lösenord';
const SECOND = 'ett andra lösenord som är nytt';
const THIRD = 'det tredje lösenordet efter koden';
const PASSPHRASE = 'kanelbulle segelbåt vinter trappa';
const SECOND_AGAIN = 'ett fjärde lösenord i kiosken nu';
const FROM_PHONE = 'valt i mobilen på bussen hem';

describe('login and the password kiosk, as a person uses them', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let firstDoneText = '';
  const clockDir = tempDir('clock');
  const clockFile = path.join(clockDir.path, 'offset');
  const setServerClock = (offsetMs: number) => writeFileSync(clockFile, String(offsetMs));
  // Reset even when a test fails half-way, so the next one starts at the real time.
  afterEach(() => {
    setServerClock(0);
    expectNoPageErrors(errors);
  });

  /** Checks the page with axe whenever it changes, as the suite requires on every page visited. */
  const check = async (status?: number) => {
    await page.waitForLoadState('load');
    await expectAccessible(page);
    if (status)
      expect(
        await page.evaluate(() =>
          performance
            .getEntriesByType('navigation')
            .map((e) => (e as PerformanceNavigationTiming).responseStatus)
            .pop(),
        ),
      ).toBe(status);
  };
  const loginAs = async (username: string, password: string) => {
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Logga in' }).click();
  };

  beforeAll(async () => {
    setServerClock(0);
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, CLOCK_OFFSET_FILE: clockFile });
    page = await browser.newPage();
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
    if (!process.env.KEEP_SCREENSHOTS) clockDir.remove();
  });

  it('takes a new user from the e-mailed one-time password through the kiosk and the terms to Mina tjänster', async () => {
    const user = await createMember(t.db, { username: 'ny0001', email: 'ny0001@skolan.example', roles: ['YH_ANSOKAN'] });
    await t.db.transaction().execute(async (trx) => {
      const { code, expiresAt } = await issueCode(trx, user.id, 'first_login', 7 * 24 * 3600_000, { now: () => new Date() });
      await enqueueMail(trx, user.email, oneTimePasswordMail(user, code, expiresAt, parseConfig({ PUBLIC_URL: server.url })));
    });
    const mail = await waitForMail(t.db, 'ny0001@skolan.example', /engångslösenord/);
    const oneTimePassword = /Ditt engångslösenord är: ([A-Z0-9-]+)/.exec(mail.text)![1];
    const link = /(http\S+\/losenordskiosk\/byt)/.exec(mail.text)![1];

    await page.goto(link);
    await check(200);
    await page.getByLabel('Användarnamn').fill('ny0001');
    await page.getByLabel('Lösenord eller engångslösenord').fill(oneTimePassword);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForURL('**/losenordskiosk/nytt-losenord');
    await check();
    expect(await page.getByText('Välkommen! Välj ditt eget lösenord.').isVisible()).toBe(true);

    // Too short first: the error summary and the field say so.
    await page.getByLabel('Nytt lösenord').fill('kort');
    await page.getByLabel('Bekräfta lösenord').fill('kort');
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await check(400);
    expect(await page.getByRole('alert').textContent()).toContain('Lösenordet måste ha minst 15 tecken');
    expect(await page.locator('#newPassword-error').textContent()).toContain('minst 15 tecken');

    await page.getByLabel('Nytt lösenord').fill(FIRST);
    await page.getByLabel('Bekräfta lösenord').fill(FIRST);
    await page.getByLabel('Visa lösenord').check();
    expect(await page.getByLabel('Nytt lösenord').getAttribute('type')).toBe('text');
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart');
    await check();
    firstDoneText = (await page.locator('main').textContent()) ?? '';
    await waitForMail(t.db, 'ny0001@skolan.example', /Ditt lösenord har ändrats/);

    await page.getByRole('button', { name: 'Logga in med ditt nya lösenord' }).click();
    await loginAs('ny0001', FIRST);
    await page.waitForURL('**/mina-tjanster/villkor');
    await check();
    await page.getByRole('button', { name: 'Godkänn villkoren' }).click();
    await check(400);
    expect(await page.getByRole('alert').textContent()).toContain('Kryssa i rutan');
    await page.getByLabel('Jag har läst villkoren och godkänner dem').check();
    await page.getByRole('button', { name: 'Godkänn villkoren' }).click();
    await page.waitForURL('**/mina-tjanster');
    await check();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Mina tjänster');
    expect(await page.getByRole('link', { name: 'Ansökan om utbildning' }).count()).toBeGreaterThan(0);
    const stored = await t.db.selectFrom('app_user').select(['terms_version', 'terms_accepted_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.terms_version).toBe(CURRENT_TERMS_VERSION);
    expect(stored.terms_accepted_at).toBeInstanceOf(Date);
  });

  it('changes the password signed in, asking only for the current and the new password, and keeps this login', async () => {
    // A brand-new user had no earlier logins: the kiosk's done page must not say they ended.
    expect(firstDoneText).not.toContain('Alla dina tidigare inloggningar har avslutats');
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${server.url}/logga-in`);
    await other.getByLabel('Användarnamn').fill('ny0001');
    await other.getByLabel('Lösenord', { exact: true }).fill(FIRST);
    await other.getByRole('button', { name: 'Logga in' }).click();
    await other.waitForURL('**/mina-tjanster');

    await page.getByRole('link', { name: 'Byt lösenord' }).first().click();
    await page.waitForURL('**/mina-tjanster/byt-losenord');
    await check(200);
    expect(await page.getByLabel('Användarnamn').count()).toBe(0);
    expect(await page.getByText('ny0001').first().isVisible()).toBe(true);
    await page.getByLabel('Nuvarande lösenord').fill('inte mitt lösenord alls');
    await page.getByLabel('Nytt lösenord').fill(SECOND);
    await page.getByLabel('Bekräfta lösenord').fill(SECOND);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await check(401);
    expect(await page.getByRole('alert').textContent()).toContain('Det nuvarande lösenordet är fel');
    await page.getByLabel('Nuvarande lösenord').fill(FIRST);
    await page.getByLabel('Nytt lösenord').fill(SECOND);
    await page.getByLabel('Bekräfta lösenord').fill(SECOND);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/mina-tjanster/byt-losenord?sparat=avslutade');
    await check();
    expect(await page.getByRole('status').textContent()).toContain('Dina inloggningar på andra enheter');
    // This login goes on; the other browser's ended.
    await page.goto(`${server.url}/mina-tjanster`);
    await page.waitForURL('**/mina-tjanster');
    await other.goto(`${server.url}/mina-tjanster`);
    await other.waitForURL('**/logga-in?next=%2Fmina-tjanster');
    await other.context().close();
    await waitForMail(t.db, 'ny0001@skolan.example', /Ditt lösenord har ändrats/);
  });

  it("refuses easily guessed new passwords, the user's own name with digits too, and takes a passphrase (issue 15, acceptance 8)", async () => {
    await t.db.updateTable('app_user').set({ first_name: 'Kerstin', last_name: 'Lindqvist' }).where('username', '=', 'ny0001').execute();
    await page.goto(`${server.url}/mina-tjanster/byt-losenord`);
    for (const weak of ['password123456789', 'KerstinLindqvist1975']) {
      await page.getByLabel('Nuvarande lösenord').fill(SECOND);
      await page.getByLabel('Nytt lösenord').fill(weak);
      await page.getByLabel('Bekräfta lösenord').fill(weak);
      await page.getByRole('button', { name: 'Spara lösenordet' }).click();
      await check(400);
      expect(await page.locator('#newPassword-error').textContent()).toContain('Lösenordet är för lätt att gissa');
      expect(await page.getByRole('alert').textContent()).toContain('ditt namn');
    }
    await page.getByLabel('Nuvarande lösenord').fill(SECOND);
    await page.getByLabel('Nytt lösenord').fill(PASSPHRASE);
    await page.getByLabel('Bekräfta lösenord').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/mina-tjanster/byt-losenord?sparat=ja');
    await check();
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(`${server.url}/logga-in`);
    await fresh.getByLabel('Användarnamn').fill('ny0001');
    await fresh.getByLabel('Lösenord', { exact: true }).fill(PASSPHRASE);
    await fresh.getByRole('button', { name: 'Logga in' }).click();
    await fresh.waitForURL('**/mina-tjanster');
    await fresh.context().close();
  });

  it('changes the password through the kiosk, shows whose it is, and ends the session', async () => {
    await page.goto(`${server.url}/losenordskiosk/byt`);
    await check();
    await page.getByLabel('Användarnamn').fill('ny0001');
    await page.getByLabel('Lösenord eller engångslösenord').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForURL('**/losenordskiosk/nytt-losenord');
    await check();
    const account = await page.locator('dl').textContent();
    expect(account).toContain('ny0001');
    expect(account).toContain('n***@skolan.example');
    await page.getByRole('button', { name: 'Avbryt' }).click();
    await page.waitForURL(/\/losenordskiosk$/);
    await page.goto(`${server.url}/losenordskiosk/byt`);
    await page.getByLabel('Användarnamn').fill('ny0001');
    await page.getByLabel('Lösenord eller engångslösenord').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.getByLabel('Nytt lösenord').fill(SECOND_AGAIN);
    await page.getByLabel('Bekräfta lösenord').fill(SECOND_AGAIN);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart?avslutade=1');
    expect(await page.getByRole('status').textContent()).toContain('Alla dina tidigare inloggningar har avslutats');
    await page.goto(`${server.url}/mina-tjanster`);
    await page.waitForURL('**/logga-in?next=%2Fmina-tjanster');
    await check();
    await loginAs('ny0001', SECOND_AGAIN);
    await page.waitForURL('**/mina-tjanster');
  });

  it('resets a forgotten password with the code from the e-mail', async () => {
    const before =
      (
        await t.db
          .selectFrom('dev_mailbox')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirst()
      )?.id ?? 0;
    await page.goto(`${server.url}/losenordskiosk`);
    await check();
    await page.getByRole('link', { name: 'Glömt lösenord' }).click();
    await check();
    await page.getByLabel('Användarnamn').fill('ny0001');
    // The proof-of-work check solves itself and leaves its payload in the form.
    await captchaSolved(page);
    await page.screenshot({ path: path.join(clockDir.path, 'glomt.png') });
    const redeemed = await rowCount(t.db, 'captcha_redemption');
    await page.getByRole('button', { name: 'Skicka kod' }).click();
    await page.waitForURL('**/losenordskiosk/glomt/kod');
    await check();
    expect(await rowCount(t.db, 'captcha_redemption')).toBe(redeemed + 1);
    const mail = await waitForMail(t.db, 'ny0001@skolan.example', /Din kod/, Number(before));
    const code = /Din kod är: (\d{8})/.exec(mail.text)![1];
    await page.getByLabel('Kod från e-postmeddelandet').fill('00000000');
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await check(400);
    expect(await page.getByRole('alert').textContent()).toContain('Koden stämmer inte');
    await page.getByLabel('Kod från e-postmeddelandet').fill(code);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForURL('**/losenordskiosk/nytt-losenord');
    await page.getByLabel('Nytt lösenord').fill(THIRD);
    await page.getByLabel('Bekräfta lösenord').fill(THIRD);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart**');
    await loginAs('ny0001', THIRD);
    await page.waitForURL('**/mina-tjanster');
    await check();
  });

  it('takes the code in another browser than the one that asked for it (issue 15, acceptance 7)', async () => {
    const before = Number(
      (
        await t.db
          .selectFrom('dev_mailbox')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirst()
      )?.id ?? 0,
    );
    // The computer: asks for a code.
    const computer = await (await browser.newContext()).newPage();
    collectPageErrors(computer, errors);
    await computer.goto(`${server.url}/losenordskiosk/glomt`);
    await computer.getByLabel('Användarnamn').fill('ny0001');
    await captchaSolved(computer);
    await computer.getByRole('button', { name: 'Skicka kod' }).click();
    await computer.waitForURL('**/losenordskiosk/glomt/kod');
    const mail = await waitForMail(t.db, 'ny0001@skolan.example', /Din kod/, before);
    const code = /Din kod är: (\d{8})/.exec(mail.text)![1];
    const link = /(http\S+\/losenordskiosk\/glomt\/kod)/.exec(mail.text)![1];
    await computer.context().close();

    // The phone: opens the e-mail's link, with no cookie from the computer.
    const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    page = await phoneContext.newPage();
    collectPageErrors(page, errors);
    await page.goto(link);
    await check(200);
    await page.getByLabel('Användarnamn').fill('ny0001');
    await page.getByLabel('Kod från e-postmeddelandet').fill('00000000');
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await check(400);
    expect(await page.getByRole('alert').textContent()).toContain('Koden stämmer inte');
    expect(await page.getByLabel('Användarnamn').inputValue()).toBe('ny0001');
    await page.getByLabel('Kod från e-postmeddelandet').fill(code);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForURL('**/losenordskiosk/nytt-losenord');
    await check();
    expect(await page.locator('dl').textContent()).toContain('ny0001');
    await page.getByLabel('Nytt lösenord').fill(FROM_PHONE);
    await page.getByLabel('Bekräfta lösenord').fill(FROM_PHONE);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart**');
    await check();
    await loginAs('ny0001', FROM_PHONE);
    await page.waitForURL('**/mina-tjanster');
    await phoneContext.close();
  });

  it('locks the account after four wrong passwords and lets the right one in once the lock has run out', async () => {
    await createMember(t.db, { username: 'la0001', password: FIRST, termsVersion: CURRENT_TERMS_VERSION, roles: [] });
    const context = await browser.newContext();
    page = await context.newPage();
    collectPageErrors(page, errors);
    for (let i = 0; i < 3; i++) {
      await loginAs('la0001', `fel lösenord nummer ${i}`);
      await check(401);
      expect(await page.getByRole('alert').textContent()).toContain('Användarnamnet eller lösenordet är fel');
    }
    await loginAs('la0001', 'fel lösenord en fjärde gång');
    await check(401);
    // Its own notice, not a mistake in the form: no error summary, the time it ends, the way round it.
    const notice = page.getByRole('status');
    expect(await notice.textContent()).toContain('Kontot är tillfälligt låst');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByText('Det finns fel i formuläret').count()).toBe(0);
    expect(await notice.getByRole('link', { name: /Beställ en kod i lösenordskiosken/ }).getAttribute('href')).toBe('/losenordskiosk/glomt');
    await loginAs('la0001', FIRST);
    expect(await page.getByRole('status').textContent()).toMatch(/låst.*kl\. \d\d:\d\d, om (29|30) minuter/);
    setServerClock(31 * 60_000);
    await loginAs('la0001', FIRST);
    await page.waitForURL('**/mina-tjanster');
    await check();
    expect(await page.getByText('Du ser inga tjänster eftersom du inte har någon roll').isVisible()).toBe(true);
  });
});
