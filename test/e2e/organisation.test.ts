import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { printLettersAndSendOneTimePasswords } from '../helpers/users.ts';

const NEW_PASSWORD = 'min nya fina lösenordsmening';

describe('Organisation & användare in a browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let admin: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  let newUsername = '';
  const sections = () => admin.getByRole('navigation', { name: 'Organisationens sidor' });

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

  it('splits the organisation area into sections, each page at most two screens high at 1280×800, with its section marked', async () => {
    // The demo organisation as demo mode seeds it (two units, three users), before the tests below add to it.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    collectPageErrors(page, errors);
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill('ds1001');
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/mina-tjanster');
    const nav = page.getByRole('navigation', { name: 'Organisationens sidor' });
    const unit = async (name: string) => (await t.db.selectFrom('unit').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    const [arts, main] = [await unit('Demoskolan Konstlinjen'), await unit('Demoskolan AB')];
    const colleague = (await t.db.selectFrom('app_user').select('id').where('username', '=', 'ds1002').orderBy('id').executeTakeFirstOrThrow()).id;
    const pages: Array<[string, string]> = [
      ['', 'Översikt'],
      ['/uppgifter', 'Översikt'],
      ['/enheter', 'Enheter'],
      ['/enheter/ny', 'Enheter'],
      [`/enhet/${arts}`, 'Enheter'],
      [`/enhet/${arts}/flytta`, 'Enheter'],
      [`/enhet/${arts}/sla-ihop`, 'Enheter'],
      [`/enhet/${arts}/sla-ihop?into=${main}`, 'Enheter'],
      [`/enhet/${arts}/dela`, 'Enheter'],
      ['/anvandare', 'Användare'],
      ['/anvandare/ny', 'Användare'],
      [`/anvandare/${colleague}`, 'Användare'],
      ['/logg', 'Händelselogg'],
      ['/ny-roll', 'Ansök om ny roll'],
    ];
    for (const [path, section] of pages) {
      await visit(page, `${server.url}/mina-tjanster/organisation${path}`);
      expect(await nav.locator('[aria-current="page"]').allTextContents(), path).toEqual([section]);
      expect(await nav.getByRole('link').allTextContents(), path).toEqual(['Översikt', 'Enheter', 'Användare', 'Händelselogg', 'Ansök om ny roll']);
      expect(await page.evaluate(() => document.documentElement.scrollHeight), path).toBeLessThanOrEqual(1600);
    }
    await page.close();
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

    await sections().getByRole('link', { name: 'Enheter' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation/enheter');
    await admin.getByRole('button', { name: 'Lägg till enhet' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation/enheter/ny');
    await expectAccessible(admin);
    await admin.getByLabel('Enhetens namn').fill('Demoskolan Distans');
    await admin.getByRole('button', { name: 'Lägg till enheten' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation/enheter?klart=enhet');
    await expectAccessible(admin);
    expect(await admin.getByRole('status').textContent()).toContain('Enheten är sparad.');
    expect(await admin.getByRole('cell', { name: 'Demoskolan Distans' }).count()).toBe(1);

    await sections().getByRole('link', { name: 'Användare' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation/anvandare');
    await expectAccessible(admin);
    await admin.getByRole('button', { name: 'Lägg till användare' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation/anvandare/ny');
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
    // The back office prints her letter; the one-time password follows when the delay has passed.
    const nora = await t.db.selectFrom('app_user').select('id').where('email', '=', 'nora@demoskolan.example').executeTakeFirstOrThrow();
    await printLettersAndSendOneTimePasswords(t.db, [nora.id]);
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
    expect(await page.getByRole('navigation', { name: 'Dina tjänster' }).getByRole('link').allTextContents()).toEqual([
      'Ansökan om utbildning (öppnas i nytt fönster)',
      // The demo's example e-service, reached with the roles for Ansökan om utbildning.
      'Exempeltjänsten (öppnas i nytt fönster)',
    ]);

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
    expect(
      filtered.some((row) =>
        row.includes('Lade till rollerna Administratör enhet i Demoskolan Distans och Hantera ansökan YH i Demoskolan Distans för Nora Nyberg.'),
      ),
    ).toBe(true);
    await admin.getByLabel('Enhet').selectOption({ label: 'Demoskolan Distans' });
    await admin.getByRole('button', { name: 'Filtrera' }).click();
    await expectAccessible(admin);
    const byUnit = await admin.locator('tbody tr').allTextContents();
    expect(byUnit.length).toBeGreaterThan(0);
    expect(byUnit.every((row) => row.includes('Nora Nyberg') || row.includes('Demoskolan Distans'))).toBe(true);
  });
  it("changes the organisation's details on a page of their own, reached from the Översikt's summary", async () => {
    await admin.goto(`${server.url}/mina-tjanster/organisation`);
    await admin.getByRole('link', { name: 'Ändra telefon' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation/uppgifter#phone');
    await expectAccessible(admin);
    await admin.getByLabel('Telefon').fill('010-123 45 67');
    await admin.getByRole('button', { name: 'Spara uppgifterna' }).click();
    await admin.waitForURL('**/mina-tjanster/organisation?klart=organisation');
    await expectAccessible(admin);
    expect(await admin.getByRole('status').textContent()).toContain('Organisationens uppgifter är sparade.');
    expect(await admin.locator('dl').textContent()).toContain('010-123 45 67');
  });

  it('merges a unit only after a confirmation page that says what will happen, and Avbryt changes nothing', async () => {
    await admin.goto(`${server.url}/mina-tjanster/organisation/enheter/ny`);
    await admin.getByLabel('Enhetens namn').fill('Demoskolan Sommar');
    await admin.getByRole('button', { name: 'Lägg till enheten' }).click();
    await admin.waitForURL('**/enheter?klart=enhet');
    await admin.getByRole('link', { name: 'Ändra Demoskolan Sommar' }).click();
    await expectAccessible(admin);
    const merge = async () => {
      await admin.getByRole('link', { name: 'Slå ihop med en annan enhet' }).click();
      await admin.waitForURL(/\/enhet\/\d+\/sla-ihop$/);
      await expectAccessible(admin);
      await admin.getByLabel('Enhet att slå ihop med').selectOption({ label: 'Demoskolan Konstlinjen' });
      await admin.getByRole('button', { name: 'Fortsätt' }).click();
      await admin.waitForURL(/\/enhet\/\d+\/sla-ihop\?into=\d+$/);
      expect(await admin.getByRole('heading', { level: 1 }).textContent()).toBe('Vill du slå ihop Demoskolan Sommar med Demoskolan Konstlinjen?');
    };
    await merge();
    await expectAccessible(admin);
    await admin.getByRole('link', { name: 'Avbryt' }).click();
    await admin.waitForURL(/\/enhet\/\d+$/);
    const unit = () => t.db.selectFrom('unit').select(['status', 'merged_into_unit_id']).where('name', '=', 'Demoskolan Sommar').executeTakeFirstOrThrow();
    expect((await unit()).status).toBe('active');
    await merge();
    await admin.getByRole('button', { name: 'Ja, slå ihop enheterna' }).click();
    await admin.waitForURL(/\/enhet\/\d+\?klart=sammanslagen$/);
    expect(await admin.getByRole('status').textContent()).toContain('Enheterna är sammanslagna.');
    expect((await unit()).status).toBe('inactive');
    await admin.goto(`${server.url}/mina-tjanster/organisation/enheter`);
    expect(await admin.getByRole('row', { name: /Demoskolan Sommar/ }).textContent()).toContain('Inaktiverad');
  });
});
