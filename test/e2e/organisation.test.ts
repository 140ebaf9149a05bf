import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const NEW_PASSWORD = 'min nya fina lösenordsmening';

describe('Organisation & användare in a browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let admin: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  let newUsername = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
    admin = await browser.newPage();
    admin.setDefaultTimeout(8000);
    collectPageErrors(admin, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('lets the fullmaktshavare add a unit and a user with roles in it', async () => {
    await admin.goto(`${server.url}/logga-in`);
    await admin.getByLabel('Användarnamn').fill('ds1001');
    await admin.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await admin.getByRole('button', { name: 'Logga in' }).click();
    await admin.waitForURL('**/mina-tjanster');
    await admin.getByRole('link', { name: 'Organisation och användare' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation');
    await expectAccessible(admin);

    await admin.getByLabel('Enhetens namn').fill('Demoskolan Distans');
    await admin.getByRole('button', { name: 'Lägg till enheten' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation?klart=enhet');
    expect(await admin.getByRole('cell', { name: 'Demoskolan Distans' }).count()).toBe(1);

    await admin.getByRole('link', { name: 'Lägg till användare' }).click();
    await expectAccessible(admin);
    await admin.getByRole('button', { name: 'Lägg till användaren' }).click();
    expect(await admin.getByRole('alert').textContent()).toContain('Ange förnamn');
    await expectAccessible(admin);
    await admin.getByLabel('Förnamn').fill('Nora');
    await admin.getByLabel('Efternamn').fill('Nyberg');
    await admin.getByLabel('E-post').fill('nora@demoskolan.example');
    await admin.getByLabel('Hantera ansökan YH i Demoskolan Distans').check();
    await admin.getByLabel('Administratör enhet i Demoskolan Distans').check();
    await admin.getByRole('button', { name: 'Lägg till användaren' }).click();
    await admin.waitForURL(/\/anvandare\/\d+\?klart=ny$/);
    await expectAccessible(admin);
    newUsername = /\((\w+)\)/.exec((await admin.getByRole('heading', { level: 1 }).textContent()) ?? '')![1];
    expect(newUsername).toMatch(/^nn\d{4}$/);
    expect(await admin.getByLabel('Hantera ansökan YH i Demoskolan Distans').isChecked()).toBe(true);
  });

  it('takes the new user through the first login with the one-time password from the mail', async () => {
    const mail = await waitForMail(t.db, 'nora@demoskolan.example', /engångslösenord/);
    const oneTimePassword = /Ditt engångslösenord är: ([A-Z0-9-]+)/.exec(mail.text)![1];
    const page = await (await browser.newContext()).newPage();
    collectPageErrors(page, errors);
    await page.goto(`${server.url}/losenordskiosk/byt`);
    await page.getByLabel('Användarnamn').fill(newUsername);
    await page.getByLabel('Lösenord eller engångslösenord').fill(oneTimePassword);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.getByLabel('Nytt lösenord').fill(NEW_PASSWORD);
    await page.getByLabel('Bekräfta lösenord').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart');
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(newUsername);
    await page.getByLabel('Lösenord', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.getByLabel('Jag har läst villkoren och godkänner dem').check();
    await page.getByRole('button', { name: 'Godkänn villkoren' }).click();
    await page.waitForURL('**/mina-tjanster');
    expect(await page.getByRole('navigation', { name: 'Dina tjänster' }).getByRole('link').allTextContents()).toEqual(['Ansökan om utbildning']);

    // The administrator inactivates her: her open session stops at the next request.
    await admin.getByRole('button', { name: 'Inaktivera användaren' }).click();
    await admin.getByRole('button', { name: 'Ja, inaktivera användaren' }).click();
    await admin.waitForURL(/klart=inaktiverad/);
    await page.reload();
    expect(page.url()).toContain('/logga-in');
  });

  it('shows what happened in the event log, by whom and to whom', async () => {
    await admin.goto(`${server.url}/mina-tjanster/organisation/logg`);
    await expectAccessible(admin);
    const rows = await admin.locator('tbody tr').allTextContents();
    expect(rows[0]).toContain('Användare inaktiverad');
    expect(rows[0]).toContain('Maria Lindqvist (ds1001)');
    expect(rows[0]).toContain(`Nora Nyberg (${newUsername})`);
    expect(rows.some((row) => row.includes('Enhet tillagd') && row.includes('Demoskolan Distans'))).toBe(true);
    await admin.getByLabel('Typ av händelse').selectOption({ label: 'Roller ändrade' });
    await admin.getByRole('button', { name: 'Filtrera' }).click();
    const filtered = await admin.locator('tbody tr').allTextContents();
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((row) => row.includes('Roller ändrade'))).toBe(true);
    // Roles read as a person would say them, before and after.
    expect(filtered.some((row) => row.includes('efter: Administratör enhet i Demoskolan Distans, Hantera ansökan YH i Demoskolan Distans'))).toBe(true);
    await admin.getByLabel('Enhet').selectOption({ label: 'Demoskolan Distans' });
    await admin.getByRole('button', { name: 'Filtrera' }).click();
    await expectAccessible(admin);
    const byUnit = await admin.locator('tbody tr').allTextContents();
    expect(byUnit.length).toBeGreaterThan(0);
    expect(byUnit.every((row) => row.includes('Nora Nyberg') || row.includes('Demoskolan Distans'))).toBe(true);
  });
});
