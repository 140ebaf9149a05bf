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

describe('login and the password kiosk, as a person uses them', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
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

  it('changes the password through the kiosk and ends the session', async () => {
    await page.getByRole('link', { name: 'Byt lösenord' }).first().click();
    await page.waitForURL('**/losenordskiosk/byt');
    await check();
    await page.getByLabel('Användarnamn').fill('ny0001');
    await page.getByLabel('Lösenord eller engångslösenord').fill(FIRST);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.getByLabel('Nytt lösenord').fill(SECOND);
    await page.getByLabel('Bekräfta lösenord').fill(SECOND);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart');
    await page.goto(`${server.url}/mina-tjanster`);
    await page.waitForURL('**/logga-in?next=%2Fmina-tjanster');
    await check();
    await loginAs('ny0001', SECOND);
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
    await page.waitForURL('**/losenordskiosk/klart');
    await loginAs('ny0001', THIRD);
    await page.waitForURL('**/mina-tjanster');
    await check();
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
    expect(await page.getByRole('alert').textContent()).toContain('Kontot är tillfälligt låst');
    await loginAs('la0001', FIRST);
    expect(await page.getByRole('alert').textContent()).toMatch(/låst.*om (29|30) minuter/);
    setServerClock(31 * 60_000);
    await loginAs('la0001', FIRST);
    await page.waitForURL('**/mina-tjanster');
    await check();
    expect(await page.getByText('Du ser inga tjänster eftersom du inte har någon roll').isVisible()).toBe(true);
  });
});
