import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';

const PASSWORD = 'lösenord för mina tjänster';

describe('Mina tjänster', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));

  const signIn = async (target: Page) => {
    await target.goto(`${server.url}/logga-in`);
    await target.getByLabel('Användarnamn').fill('mt0001');
    await target.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
    await target.getByRole('button', { name: 'Logga in' }).click();
    await target.waitForURL('**/mina-tjanster');
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
    const user = await createMember(t.db, {
      username: 'mt0001',
      password: PASSWORD,
      termsVersion: CURRENT_TERMS_VERSION,
      roles: ['YH_ANSOKAN', 'YH_STUDIEDOK'],
    });
    const unit = await t.db
      .insertInto('unit')
      .values({ organisation_id: user.organisation_id!, name: 'Konstlinjen', is_main: false, created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: unit.id, role_key: 'KK_BEVILJAD', granted_at: new Date() }).execute();
    page = await browser.newPage();
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('shows the services that the roles grant in the chosen unit, and remembers the unit', async () => {
    await signIn(page);
    await expectAccessible(page);
    const menu = page.getByRole('navigation', { name: 'Dina tjänster' });
    expect(await menu.getByRole('link').allTextContents()).toEqual(['Ansökan om utbildning', 'Studiedokumentation']);
    await page.getByLabel('Vald enhet').selectOption({ label: 'Konstlinjen' });
    await page.getByRole('button', { name: 'Byt enhet' }).click();
    await page.waitForURL('**/mina-tjanster?enhet=bytt');
    await expectAccessible(page);
    expect(await menu.getByRole('link').allTextContents()).toEqual(['Beviljade utbildningar']);
    expect(await page.getByText('Dina roller: Hantera beviljad utbildning KK').isVisible()).toBe(true);
    await page.goto(`${server.url}/mina-tjanster`);
    expect(await page.getByText('Du arbetar nu i enheten Konstlinjen.').isVisible()).toBe(true);
  });

  it('lists the active logins and ends another one from this page', async () => {
    const other = await (await browser.newContext()).newPage();
    await signIn(other);
    await page.goto(`${server.url}/mina-tjanster/sakerhet`);
    await expectAccessible(page);
    const rows = page.getByRole('table').first().locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.getByText('Inloggning', { exact: true }).count()).toBeGreaterThan(0);
    // The newest login (the other browser) comes first.
    await rows
      .first()
      .getByRole('button', { name: /Avsluta/ })
      .click();
    await page.getByRole('button', { name: 'Ja, avsluta inloggningen' }).click();
    await page.waitForURL('**/mina-tjanster/sakerhet?avslutad=1');
    expect(await page.getByRole('table').first().locator('tbody tr').count()).toBe(1);
    await other.goto(`${server.url}/mina-tjanster`);
    expect(other.url()).toContain('/logga-in');
  });

  it('logs out with the Logga ut button', async () => {
    await page.getByRole('button', { name: 'Logga ut' }).first().click();
    await page.waitForURL('**/logga-in?utloggad=1');
    expect(await page.getByRole('status').textContent()).toContain('Du är utloggad');
    await expectAccessible(page);
  });
});
