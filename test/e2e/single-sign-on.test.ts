import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { catalogueWithExample, startExample } from '../helpers/oidc.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('single sign-on to an e-service from Mina tjänster', () => {
  let t: TestDatabase;
  let server: TestServer;
  let catalogue: Awaited<ReturnType<typeof catalogueWithExample>>;
  let example: Awaited<ReturnType<typeof startExample>>;
  let browser: Browser;
  let context: BrowserContext;
  const errors: string[] = [];

  beforeAll(async () => {
    t = await freshDatabase();
    catalogue = await catalogueWithExample();
    server = await startServer({ DATABASE_URL: t.url, CATALOGUE_FILE: catalogue.file });
    example = await startExample(server.url, catalogue.origin, catalogue.port);
    browser = await launchBrowser();
    context = await browser.newContext();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await example?.stop();
    await server?.stop();
    await t?.drop();
    catalogue?.remove();
  });

  it('ds1002 opens Exempeltjänsten, picks a unit, sees that unit’s roles without typing a password again, and is logged out there when logging out of the portal', async () => {
    const portal: Page = await context.newPage();
    collectPageErrors(portal, errors);
    await portal.goto(`${server.url}/logga-in`);
    await expectAccessible(portal);
    await portal.getByLabel('Användarnamn').fill('ds1002');
    await portal.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await portal.getByRole('button', { name: 'Logga in' }).click();
    await portal.waitForURL('**/mina-tjanster');
    await expectAccessible(portal);

    // The service link opens in a new window, as every service link does.
    const [service] = await Promise.all([context.waitForEvent('page'), portal.getByRole('link', { name: /Exempeltjänsten/ }).click()]);
    collectPageErrors(service, errors);
    await service.waitForURL('**/inloggning/tjanst/**');
    expect(await service.getByRole('heading', { level: 1 }).textContent()).toBe('Logga in i Exempeltjänsten');
    expect(await service.locator('input[type=password]').count()).toBe(0);
    await expectAccessible(service);
    await service.getByLabel(/Demoskolan Konstlinjen/).check();
    await service.getByRole('button', { name: 'Fortsätt till Exempeltjänsten' }).click();
    await service.waitForURL(`${catalogue.origin}/`);
    expect(await service.locator('#enhet').textContent()).toContain('Demoskolan Konstlinjen');
    expect(await service.locator('#roller').textContent()).toContain('Hantera ansökan KK');
    expect(await service.locator('#roller').textContent()).not.toContain('Hantera ansökan YH');
    expect(await service.locator('#organisation').textContent()).toContain('Demoskolan AB');
    expect(await service.locator('#namn').textContent()).toBe('Ali Karimi');

    // The security page shows the sign-in as an event of this session.
    await portal.goto(`${server.url}/mina-tjanster/sakerhet`);
    expect(await portal.locator('main').textContent()).toContain('Exempeltjänsten');
    await expectAccessible(portal);

    await portal.getByRole('button', { name: 'Logga ut' }).first().click();
    await portal.waitForURL('**/logga-in?utloggad=1');
    const started = Date.now();
    let signedIn = true;
    while (signedIn && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const status = await service.request.get(`${catalogue.origin}/status`);
      signedIn = (await status.json()).signedIn;
    }
    expect(signedIn).toBe(false);
    await service.reload();
    expect(await service.locator('main').textContent()).toContain('Du är inte inloggad');
    expectNoPageErrors(errors);
  });
});
