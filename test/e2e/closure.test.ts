import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/**
 * Issue 19 in a browser: a handläggare registers a new fullmakt for the demo organisation,
 * closes it (a signed-in member is signed out at their next click) and reopens it; every
 * page and error state axe-clean and reflowing at 320 px.
 */
describe('a new fullmakt, closing and reopening in a browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let staff: Page;
  let member: Page;
  let base: string;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));

  const signIn = async (page: Page, username: string) => {
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/logga-in'));
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
    const organisation = await t.db.selectFrom('organisation').select('id').where('org_number', '=', '5566001235').executeTakeFirstOrThrow();
    base = `${server.url}/handlaggning/organisationer/${organisation.id}`;
    staff = await (await browser.newContext()).newPage();
    member = await (await browser.newContext()).newPage();
    collectPageErrors(staff, errors);
    collectPageErrors(member, errors);
    await signIn(staff, 'hl1001');
    await signIn(member, 'ds1002');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('registers a new fullmakt naming a new person', async () => {
    await visit(staff, `${base}/fullmakt`);
    expect(await staff.getByText('Maria Lindqvist (ds1001').count()).toBe(1);
    await staff.getByRole('button', { name: 'Registrera fullmakten' }).click();
    await staff.waitForLoadState();
    expect(await staff.getByRole('alert').textContent()).toContain('Välj vem som är ny fullmaktshavare');
    await expectAccessible(staff);
    await staff.getByRole('radio', { name: 'En ny person' }).check();
    await staff.getByLabel('Förnamn').fill('Petra');
    await staff.getByLabel('Efternamn').fill('Nyström');
    await staff.getByLabel('E-postadress').fill('petra@demoskolan.example');
    await staff.getByRole('button', { name: 'Registrera fullmakten' }).click();
    await staff.waitForURL(/klart=fullmakt/);
    expect(await staff.getByRole('status').first().textContent()).toContain('Petra Nyström är nu fullmaktshavare');
    await expectAccessible(staff);
  });

  it('closes the organisation through a confirmation page; a signed-in member is signed out at once', async () => {
    await visit(member, `${server.url}/mina-tjanster`);
    await visit(staff, `${base}/stang`);
    await staff.getByRole('button', { name: 'Ja, stäng organisationen' }).click();
    await staff.waitForLoadState();
    expect(await staff.getByRole('alert').textContent()).toContain('Skriv varför organisationen stängs');
    await expectAccessible(staff);
    await staff.getByLabel('Anledning').fill('Verksamheten har upphört.');
    await staff.getByRole('button', { name: 'Ja, stäng organisationen' }).click();
    await staff.waitForURL(/klart=stangd/);
    await expectAccessible(staff);
    await member.goto(`${server.url}/mina-tjanster`);
    expect(new URL(member.url()).pathname).toBe('/logga-in');
  });

  it('reopens it, and the member signs in again', async () => {
    await staff.getByRole('button', { name: 'Öppna organisationen igen' }).click();
    await staff.waitForURL(/\/oppna$/);
    await expectAccessible(staff);
    await staff.getByRole('button', { name: 'Ja, öppna organisationen igen' }).click();
    await staff.waitForURL(/klart=oppnad/);
    await expectAccessible(staff);
    await signIn(member, 'ds1002');
    expect(new URL(member.url()).pathname).toMatch(/^\/mina-tjanster/);
  });
});
