import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { codeNow, enrolTotp, secretFromKeyText } from '../helpers/second-factor.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('second factors in a browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  // hl1001's recovery codes, as the first test read them off the page.
  let recoveryCodes: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    // The application's own default policy: staff must have a second factor.
    server = await startServer({ DATABASE_URL: t.url, MFA_REQUIRED_FOR: 'staff' });
    page = await browser.newPage();
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  const logIn = async (username: string) => {
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
  };
  const logOut = async () => {
    await page.getByRole('button', { name: 'Logga ut' }).first().click();
    await page.waitForURL('**/logga-in?utloggad=1');
  };

  it('takes hl1001 to the enrolment at login, keeps the back office shut until an app is added, then asks for its code', async () => {
    await logIn('hl1001');
    await page.waitForURL('**/mina-tjanster/sakerhet/ny-faktor?tillbaka=%2Fhandlaggning');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ditt konto behöver en inloggningsmetod till');
    await expectAccessible(page);
    await page.goto(`${server.url}/handlaggning/anvandare`);
    expect(new URL(page.url()).pathname).toBe('/mina-tjanster/sakerhet/ny-faktor');

    await page.getByRole('button', { name: 'Lägg till app' }).click();
    await page.waitForURL('**/mina-tjanster/sakerhet/ny-faktor/app?tillbaka=*');
    await expectAccessible(page);
    expect(await page.getByRole('img', { name: /QR-kod/ }).count()).toBe(1);
    // Typed from the page, as a person without a camera would.
    const keyText = (await page.locator('.summary-row', { hasText: 'Nyckel' }).locator('dd').first().textContent())!.trim();
    expect(keyText).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
    const secret = secretFromKeyText(keyText);
    await page.getByLabel('Kod från appen').fill('12');
    await page.getByRole('button', { name: 'Bekräfta' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Skriv in koden med 6 siffror');
    await expectAccessible(page);
    await page.getByLabel('Kod från appen').fill(codeNow(secret));
    await page.getByRole('button', { name: 'Bekräfta' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Appen är tillagd');
    recoveryCodes = (await page.getByRole('list', { name: 'Reservkoder' }).locator('li').allTextContents()).map((code) => code.trim());
    expect(recoveryCodes).toHaveLength(10);
    await expectAccessible(page);
    // On to the page asked for before the enrolment.
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForURL('**/handlaggning/anvandare');

    // The security page lists the app; the last factor of a handläggare stays.
    await page.goto(`${server.url}/mina-tjanster/sakerhet`);
    await expectAccessible(page);
    expect(await page.getByText('10 av 10 reservkoder är oanvända.').isVisible()).toBe(true);
    // This login was made with the password, then the app's first code.
    expect(await page.locator('tbody tr', { hasText: 'Den här inloggningen' }).textContent()).toContain('Med lösenord och kod');
    await page.getByRole('button', { name: 'Ta bort appen' }).click();
    await page.waitForURL('**/sakerhet/ta-bort-app');
    await expectAccessible(page);
    expect(await page.getByText('Appen är din enda inloggningsmetod').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Ja, ta bort appen' }).count()).toBe(0);
    await page.goto(`${server.url}/mina-tjanster/sakerhet/reservkoder`);
    await expectAccessible(page);

    await logOut();
    await logIn('hl1001');
    await page.waitForURL('**/logga-in/steg-tva?tillbaka=%2Fhandlaggning');
    await expectAccessible(page);
    // A wrong recovery code: the disclosure opens with its error.
    await page.getByText('Använd en reservkod i stället').click();
    await page.getByLabel('Reservkod').fill('aaaa-bbbb-cccc');
    await page.getByRole('button', { name: 'Logga in med reservkoden' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Reservkoden stämmer inte');
    await expectAccessible(page);
    // The next step's code: the one used at enrolment may still be the current one.
    await page.getByLabel('Kod från appen').fill(codeNow(secret, 1));
    await page.getByRole('button', { name: 'Logga in', exact: true }).click();
    await page.waitForURL('**/handlaggning');
    await logOut();
  });

  it('does not force ds1002, and shows the support desk’s removal page accessibly', async () => {
    await logIn('ds1002');
    await page.waitForURL('**/mina-tjanster');
    await page.goto(`${server.url}/mina-tjanster/sakerhet`);
    expect(await page.getByText('Du har ingen app för engångskoder.').isVisible()).toBe(true);
    await page.goto(`${server.url}/mina-tjanster/sakerhet/ny-faktor`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Lägg till en inloggningsmetod');
    await expectAccessible(page);
    await logOut();

    const ds1002 = await t.db.selectFrom('app_user').select('id').where('username', '=', 'ds1002').executeTakeFirstOrThrow();
    await enrolTotp(t.db, ds1002.id);
    // hl1001 has the app from the first test: in with one of its recovery codes this time.
    await logIn('hl1001');
    await page.waitForURL('**/logga-in/steg-tva?*');
    await page.getByText('Använd en reservkod i stället').click();
    await page.getByLabel('Reservkod').fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Logga in med reservkoden' }).click();
    await page.waitForURL('**/handlaggning');
    await page.goto(`${server.url}/handlaggning/anvandare/${ds1002.id}`);
    await page.getByRole('button', { name: 'Ta bort inloggningsmetoder' }).click();
    await page.waitForURL('**/inloggningsmetoder');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Ja, ta bort inloggningsmetoderna' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Ange skälet');
    await expectAccessible(page);
    await page.getByLabel('Skäl').fill('Ny telefon; ringde upp på skolans växelnummer');
    await page.getByRole('button', { name: 'Ja, ta bort inloggningsmetoderna' }).click();
    await page.waitForURL(/klart=inloggningsmetoder/);
    expect(await page.getByRole('status').first().textContent()).toContain('Användarens inloggningsmetoder är borttagna');
  });
});
