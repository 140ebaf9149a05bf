import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('the back office in a browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
    page = await browser.newPage();
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('lets the demo handläggare find a user and see their details, accessibly', async () => {
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill('hl1001');
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/handlaggning');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Hjälp användare (support)' }).click();
    await expectAccessible(page);
    await page.getByLabel('Sök användare').fill('karimi');
    await page.getByRole('main').getByRole('button', { name: 'Sök' }).click();
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Ali Karimi' }).click();
    await page.waitForURL(/\/handlaggning\/anvandare\/\d+$/);
    await expectAccessible(page);
    expect(await page.getByText('Demoskolan Konstlinjen: Hantera ansökan KK').isVisible()).toBe(true);
    // Inactivating goes through a confirmation page; "Avbryt" leaves the user active.
    await page.getByRole('button', { name: 'Inaktivera användaren' }).click();
    await page.waitForURL(/\/inaktivera$/);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Avbryt' }).click();
    await page.waitForURL(/\/handlaggning\/anvandare\/\d+$/);
    expect(await page.locator('.tag').first().textContent()).toBe('Aktiv');
    await page.getByRole('button', { name: 'Skicka nytt engångslösenord' }).click();
    await page.waitForURL(/\/engangslosenord$/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Ja, skicka engångslösenordet' }).click();
    await page.waitForURL(/klart=engangslosenord/);
    expect(await page.getByRole('status').first().textContent()).toContain('Ett nytt engångslösenord har skickats');
    await expectAccessible(page);
  });

  it('lists the printed letters with when each one-time password went, accessibly', async () => {
    await page.goto(`${server.url}/handlaggning`);
    await page.getByRole('link', { name: 'Brev att skriva ut' }).click();
    await expectAccessible(page);
    expect(await page.getByText('Inga brev väntar på utskrift.').count()).toBe(1);
    await page.getByRole('link', { name: 'Visa även utskrivna brev' }).click();
    await expectAccessible(page);
    expect(await page.getByText(/engångslösenordet skickat/).count()).toBe(1);
  });

  it('shows the answers about the handbook', async () => {
    await fetch(`${server.url}/handbok/tyck-till`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
      body: 'page=logga-in&helpful=nej&comment=Saknar+exempel',
    });
    await page.goto(`${server.url}/handlaggning`);
    await page.getByRole('link', { name: 'Svar om handboken' }).click();
    await expectAccessible(page);
    expect(await page.getByText('Saknar exempel').count()).toBe(1);
  });

  it('lists the organisations whose details have not been confirmed', async () => {
    await page.goto(`${server.url}/handlaggning`);
    await page.getByRole('link', { name: 'Registret: obekräftade uppgifter' }).click();
    await expectAccessible(page);
    expect(await page.getByRole('cell', { name: 'Demoskolan AB' }).count()).toBe(1);
  });

  it('shows the public register, searchable, to anyone', async () => {
    const visitor = await (await browser.newContext()).newPage();
    collectPageErrors(visitor, errors);
    await expect.poll(async () => (await fetch(`${server.url}/api/v1/enheter`)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    await visitor.goto(`${server.url}/`);
    await visitor.getByRole('link', { name: 'Register' }).click();
    await expectAccessible(visitor);
    await visitor.getByLabel('Sök i registret').fill('konstlinjen');
    await visitor.getByRole('main').getByRole('button', { name: 'Sök' }).click();
    await expectAccessible(visitor);
    expect(await visitor.getByRole('cell', { name: 'Demoskolan Konstlinjen' }).count()).toBe(1);
    expect(await visitor.getByRole('status').textContent()).toBe('1 enhet');
  });
});
