import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('the foundation in a browser', () => {
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

  it('shows an accessible start page whose first Tab stop is the skip link', async () => {
    await visit(page, `${server.url}/`);
    expect(await page.title()).toBe('Anordnarportalen');
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    await expect.poll(() => focused.textContent()).toBe('Till huvudinnehållet');
    expect(await focused.isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('shows a visible focus outline on links', async () => {
    await page.goto(`${server.url}/`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const style = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      const computed = getComputedStyle(element);
      return { text: element.textContent, background: computed.backgroundColor, shadow: computed.boxShadow };
    });
    expect(style.text).toContain('Anordnarportalen');
    expect(style.background).toBe('rgb(255, 191, 71)');
  });

  it('lays the navigation out for a narrow phone screen without horizontal scrolling', async () => {
    const phone = await browser.newPage({ viewport: { width: 320, height: 640 } });
    await visit(phone, `${server.url}/`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.close();
  });

  it('shows an accessible Swedish 404 page', async () => {
    await visit(page, `${server.url}/finns-inte`, 404);
    expect(await page.locator('h1').textContent()).toBe('Sidan finns inte');
  });

  it('shows the demo mailbox and a received mail, accessibly, with its link clickable', async () => {
    await expect.poll(async () => (await fetch(`${server.url}/utveckling/epost`)).text(), { timeout: 10_000 }).toContain('Välkommen');
    await visit(page, `${server.url}/utveckling/epost`);
    await page.getByRole('link', { name: 'Välkommen till Anordnarportalens demoläge' }).click();
    await page.waitForURL(/\/utveckling\/epost\/\d+$/);
    await expectAccessible(page);
    expect(await page.getByRole('link', { name: /\/utveckling\/epost$/ }).count()).toBe(1);
  });

  it('shows the configured identity in the header: the logo named by the authority, the brand colour, Lättläst, In English and a handbook search', async () => {
    await visit(page, `${server.url}/`);
    const logo = page.locator('.site-header svg.brand-logo');
    expect(await logo.getAttribute('role')).toBe('img');
    expect(await logo.getAttribute('aria-label')).toBe('Demomyndigheten för utbildning');
    // The brand colour comes from /identitet.css, a file: the CSP allows no inline style.
    const background = await page.locator('.site-header').evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(background).toBe('rgb(31, 63, 116)');
    expect(await page.getByRole('link', { name: 'Lättläst' }).getAttribute('href')).toBe('/lattlast');
    const english = page.getByRole('link', { name: 'In English' });
    expect(await english.getAttribute('lang')).toBe('en');
    const search = page.getByRole('search', { name: 'Sök i handboken' });
    await search.getByRole('searchbox', { name: 'Sök i handboken' }).fill('lösenord');
    await search.getByRole('button', { name: 'Sök' }).click();
    await page.waitForURL(/\/handbok\?sok=l%C3%B6senord$/);
    await expectAccessible(page);
  });

  it.each([
    ['/lattlast', 'Lättläst om Anordnarportalen'],
    ['/in-english', 'Anordnarportalen in English'],
  ])('shows %s, linked from the header, accessibly and without sideways scrolling at 320 px', async (path, heading) => {
    await visit(page, `${server.url}/`);
    await page.locator(`.site-header a[href="${path}"]`).click();
    await page.waitForURL(`${server.url}${path}`);
    await expectAccessible(page);
    expect(await page.locator('h1').textContent()).toBe(heading);
    expect(await page.locator('.site-header').textContent()).toContain('Demomyndigheten för utbildning');
    if (path === '/in-english') expect(await page.locator('main [lang="en"] h1').count()).toBe(1);
    const phone = await browser.newPage({ viewport: { width: 320, height: 640 } });
    collectPageErrors(phone, errors);
    await visit(phone, `${server.url}${path}`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await phone.close();
  });
});
