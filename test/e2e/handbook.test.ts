import { readdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SLUGS = readdirSync('src/content/handbok')
  .filter((name) => name.endsWith('.md'))
  .map((name) => name.replace(/\.md$/, ''));

describe('the handbook in a browser', () => {
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
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('has at least the fourteen guides', () => {
    expect(SLUGS.length).toBeGreaterThanOrEqual(14);
  });

  it.each(SLUGS)('shows /handbok/%s with one h1, a description, a date, breadcrumbs and the feedback island, accessibly', async (slug) => {
    const islands: string[] = [];
    const listener = (response: { url(): string; status(): number }) => response.url().includes('/_server-islands/') && islands.push(`${response.status()}`);
    page.on('response', listener);
    const response = await page.goto(`${server.url}/handbok/${slug}`);
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1').count()).toBe(1);
    expect((await page.locator('meta[name="description"]').getAttribute('content'))?.length).toBeGreaterThan(10);
    expect(await page.locator('.updated time').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await page.getByRole('navigation', { name: 'Brödsmulor' }).getByRole('link').count()).toBe(3);
    // The island replaced its fallback with the server's rendering.
    await expect.poll(() => islands).toEqual(['200']);
    expect(await page.getByRole('group', { name: 'Hjälpte den här sidan dig?' }).count()).toBe(1);
    await expectAccessible(page);
    page.off('response', listener);
  });

  it('finds a page by a word that appears only in its body', async () => {
    await page.goto(`${server.url}/handbok`);
    await expectAccessible(page);
    await page.getByLabel('Sök i handboken').fill('pussel');
    await page.getByRole('button', { name: 'Sök' }).click();
    const results = page.locator('.search-results a');
    await expect.poll(() => results.allTextContents(), { timeout: 10_000 }).toEqual(['Tillgänglighetsredogörelse']);
    await expectAccessible(page);
    await results.first().click();
    await page.waitForURL('**/handbok/tillganglighetsredogorelse');
  });

  it('takes an answer to "Hjälpte den här sidan dig?" and thanks the reader', async () => {
    await page.goto(`${server.url}/handbok/logga-in`);
    await page.getByRole('group', { name: 'Hjälpte den här sidan dig?' }).waitFor();
    await page.getByLabel('Ja', { exact: true }).check();
    await page.getByLabel('Vill du berätta mer? (frivilligt)').fill('Bra och tydligt.');
    await page.getByRole('button', { name: 'Skicka svaret' }).click();
    await page.waitForURL('**/handbok/tack?sida=logga-in');
    await expectAccessible(page);
    const rows = await t.db.selectFrom('handbook_feedback').select(['page', 'helpful', 'comment']).execute();
    expect(rows).toEqual([{ page: 'logga-in', helpful: true, comment: 'Bra och tydligt.' }]);
  });
});
