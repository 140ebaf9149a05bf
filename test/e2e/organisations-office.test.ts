import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '#server/platform/clock.ts';
import { createRoleRequest } from '#server/organisation/role-requests.ts';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('Organisationer in the back office, in a browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));

  let konstlinjenCode = '';
  let roleRequestId = 0;
  const signIn = async (target: Page, username: string, landing: string) => {
    await target.goto(`${server.url}/logga-in`);
    await target.getByLabel('Användarnamn').fill(username);
    await target.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await target.getByRole('button', { name: 'Logga in' }).click();
    await target.waitForURL(landing);
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
    // The demo's Demoskolan AB, with a pending role request: a document the page must link to.
    const organisation = await t.db.selectFrom('organisation').select('id').where('org_number', '=', '5566001235').executeTakeFirstOrThrow();
    const holder = await t.db.selectFrom('app_user').select('id').where('username', '=', 'ds1001').executeTakeFirstOrThrow();
    const request = await createRoleRequest(t.db, organisation.id, ['ET'], { userId: holder.id, client: 'test' }, systemClock);
    if (request.kind !== 'ok') throw new Error('role request refused');
    roleRequestId = request.id;
    konstlinjenCode = (await t.db.selectFrom('unit').select('unit_code').where('name', '=', 'Demoskolan Konstlinjen').executeTakeFirstOrThrow()).unit_code;
    page = await browser.newPage();
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('finds an organisation by enhetskod and shows its units, users with roles, administrators, documents and history on one page', async () => {
    await signIn(page, 'hl1001', '**/handlaggning');
    await page.getByRole('link', { name: 'Organisationer', exact: true }).click();
    await page.waitForURL('**/handlaggning/organisationer');
    await expectAccessible(page);
    await page.getByLabel('Sök organisation').fill(konstlinjenCode.toLowerCase());
    await page.getByRole('main').getByRole('button', { name: 'Sök' }).click();
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Demoskolan AB' }).click();
    await page.waitForURL(/\/handlaggning\/organisationer\/\d+$/);
    await expectAccessible(page);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Demoskolan AB');
    const units = page.getByRole('table', { name: 'Enheter' });
    expect(await units.getByRole('row').filter({ hasText: 'Demoskolan Konstlinjen' }).textContent()).toContain(konstlinjenCode);
    const users = page.getByRole('table', { name: 'Användare och roller' });
    const ali = await users.getByRole('row').filter({ hasText: 'Ali Karimi' }).textContent();
    expect(ali).toContain('Hantera ansökan KK');
    expect(ali).toContain('Demoskolan Konstlinjen');
    const admins = page.getByRole('table', { name: 'Administratörer' });
    expect(await admins.getByRole('row').filter({ hasText: 'Maria Lindqvist' }).textContent()).toContain('Fullmaktshavare');
    expect(await page.getByRole('link', { name: /Ansökan om ny roll NR-/ }).getAttribute('href')).toBe(`/handlaggning/roller/${roleRequestId}/ansokan.pdf`);
    expect(await page.getByRole('link', { name: /^NR-/ }).getAttribute('href')).toBe(`/handlaggning/roller/${roleRequestId}`);
    const history = page.getByRole('table', { name: 'Händelser' });
    expect(await history.textContent()).toContain('Ansökan om ny roll skapad');
    expect(await history.textContent()).toContain('Maria Lindqvist (ds1001)');
    // Buttons that navigate: links with the look and role of a button.
    for (const action of ['Administreras av myndigheten', 'Registrera ny fullmakt', 'Stäng organisationen'])
      expect(await page.getByRole('region', { name: 'Åtgärder' }).getByRole('button', { name: action }).count()).toBe(1);
    // Demoskolan administers its own users: the back office offers no "Lägg till användare".
    expect(await page.getByRole('region', { name: 'Åtgärder' }).getByRole('button', { name: 'Lägg till användare' }).count()).toBe(0);
    // The whole log, paged, on its own page: the handläggare's colleagues are named there too.
    const organisationPage = page.url();
    await visit(page, `${organisationPage}/logg`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Händelselogg för Demoskolan AB');
    expect(await page.getByRole('table', { name: 'Händelser' }).textContent()).toContain('Ansökan om ny roll skapad');
    await page.goto(organisationPage);
  });

  it('assigns responsible contact persons from the organisation page, shown in bold in Kontakta oss', async () => {
    await page.getByLabel('Johan Berg').check();
    await page.getByRole('button', { name: 'Spara ansvariga' }).click();
    await page.waitForURL(/\/handlaggning\/organisationer\/\d+\?klart=kontaktpersoner$/);
    await expectAccessible(page);
    expect(await page.getByLabel('Johan Berg').isChecked()).toBe(true);
    expect(await page.getByLabel('Hanna Lund').isChecked()).toBe(true);
    const audit = await t.db.selectFrom('audit_event').select('detail').where('event', '=', 'contact.responsible').execute();
    expect(audit.map((row) => row.detail)).toEqual([{ organisation: '5566001235', before: 'Hanna Lund', after: 'Hanna Lund, Johan Berg' }]);

    const member = await (await browser.newContext()).newPage();
    collectPageErrors(member, errors);
    await signIn(member, 'ds1001', '**/mina-tjanster');
    await member.goto(`${server.url}/mina-tjanster/kontakta-oss`);
    await expectAccessible(member);
    expect(await member.locator('strong', { hasText: 'Johan Berg' }).count()).toBe(1);
    expect(await member.locator('strong', { hasText: 'Hanna Lund' }).count()).toBe(1);
    await member.close();
  });
});
