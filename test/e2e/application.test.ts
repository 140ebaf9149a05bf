import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, captchaSolved } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase, rowCount } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('applying for an account, as a new organisation would', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  const dir = tempDir('application-e2e');

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
    page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    collectPageErrors(page, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
    dir.remove();
  });

  let statusUrl = '';
  const inGroup = (legend: string) => page.getByRole('group', { name: legend });

  it('fills in the form by its labels, corrects the errors, checks the answers, sends it and downloads both documents', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Ansök om användarkonto' }).first().click();
    await page.waitForURL('**/ansok');
    await expectAccessible(page);

    const organisation = inGroup('Organisation');
    await organisation.getByLabel('Organisationsnummer').fill('556677-8890');
    await organisation.getByLabel('Organisationens namn').fill('Åkerö Utbildning AB');
    await organisation.getByLabel('Utdelningsadress').fill('Storgatan 1');
    await organisation.getByLabel('Postnummer').fill('111 22');
    await organisation.getByLabel('Ort').fill('Örebro');
    await organisation.getByLabel('Telefon').fill('010-123 45 67');
    await organisation.getByLabel('E-post').fill('info@akero.example');
    await page.getByLabel('Yrkeshögskoleutbildning').check();
    const signatory = inGroup('Fullmaktsgivare');
    await signatory.getByLabel('Förnamn').fill('Göran');
    await signatory.getByLabel('Efternamn').fill('Öst');
    await signatory.getByLabel('Personnummer').fill('19900101-0017');
    await signatory.getByLabel('Befattning').fill('VD');
    const holder = inGroup('Fullmaktshavare');
    await holder.getByLabel('Fullmaktshavaren är samma person som fullmaktsgivaren').check();
    await holder.getByLabel('E-post').fill('goran@akero.example');
    await holder.getByLabel('Telefon').fill('070-123 45 67');
    await page.getByRole('button', { name: 'Fortsätt' }).click();

    // A mistyped organisation number: the summary and the field say so, and nothing typed is lost.
    await page.waitForLoadState('load');
    await expectAccessible(page);
    const summary = page.getByRole('alert');
    expect(await summary.textContent()).toContain('Ange organisationsnumret med tio siffror');
    expect(await page.locator('#orgNumber-error').textContent()).toContain('Ange organisationsnumret');
    expect(await organisation.getByLabel('Organisationens namn').inputValue()).toBe('Åkerö Utbildning AB');
    await summary.getByRole('link', { name: /organisationsnumret/ }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('orgNumber');
    await organisation.getByLabel('Organisationsnummer').fill('556677-8899');
    await page.getByRole('button', { name: 'Fortsätt' }).click();

    await page.waitForURL('**/ansok/kontrollera');
    await expectAccessible(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Kontrollera dina uppgifter');
    expect(await page.getByText('556677-8899').isVisible()).toBe(true);
    // Each row's "Ändra" goes back to its own field with the answers kept.
    await page.getByRole('link', { name: 'Ändra ort', exact: true }).click();
    await page.waitForURL('**/ansok#city');
    expect(await inGroup('Organisation').getByLabel('Ort').inputValue()).toBe('Örebro');
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForURL('**/ansok/kontrollera');
    // The proof-of-work check solves itself and leaves its payload in the form; the server redeems it once.
    await captchaSolved(page);
    const redemptions = () => rowCount(t.db, 'captcha_redemption');
    const redeemed = await redemptions();
    await page.getByRole('button', { name: 'Skicka in ansökan' }).click();

    await page.waitForURL(/\/ansok\/status\/[\w-]+\?ny=1$/);
    statusUrl = page.url().replace(/\?.*$/, '');
    await expectAccessible(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ansökan är skickad');
    expect(await redemptions()).toBe(redeemed + 1);
    const reference = /Referensnummer:\s*(AK-\d{4}-\d{5})/.exec((await page.locator('.confirmation-panel').textContent()) ?? '')![1];
    expect(await page.locator('.tag').first().textContent()).toBe('Inskickad');
    expect(await page.getByText('Demomyndigheten, Box 000, 000 00 Exempelstad', { exact: false }).count()).toBeGreaterThan(0);

    for (const [name, file] of [
      ['Ansökan om användarkonto (PDF)', 'ansokan.pdf'],
      ['Ansvarsförbindelse – Yrkeshögskoleutbildning (PDF)', 'ansvarsforbindelse-yh.pdf'],
    ]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
      expect(download.suggestedFilename()).toBe(`${reference}-${file}`);
      const saved = path.join(dir.path, file);
      await download.saveAs(saved);
      expect(execFileSync('pdftotext', [saved, '-'], { encoding: 'utf8' })).toContain(reference);
    }
  });

  it('never prints the status link: not as a link target, not as text, in neither printout', async () => {
    expect(statusUrl).toMatch(/\/ansok\/status\/[\w-]+$/);
    const token = statusUrl.split('/').pop()!;
    await page.goto(statusUrl);
    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(() => {
      const generated = [...document.querySelectorAll('a')].map((link) => getComputedStyle(link, '::after').content).join(' ');
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is wanted: what print hides is not printed.
      return `${document.body.innerText} ${generated}`;
    });
    expect(printed).toContain('AK-');
    expect(printed).not.toContain(token);
    // Printed to paper by Chromium: the text of the PDF holds no token either.
    const file = path.join(dir.path, 'status-print.pdf');
    await page.pdf({ path: file, format: 'A4' });
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('AK-');
    expect(text).not.toContain(token);
    expect(text).not.toContain('/ansok/status/');
    await page.emulateMedia({ media: 'screen' });
  });
});
