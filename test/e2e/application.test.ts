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
    expect(await summary.textContent()).toContain('Organisationsnumret stämmer inte: den sista siffran är en kontrollsiffra');
    expect(await page.locator('#orgNumber-error').textContent()).toContain('Organisationsnumret stämmer inte');
    expect(await page.title()).toMatch(/^Fel: Ansök om användarkonto/);
    expect(await organisation.getByLabel('Organisationens namn').inputValue()).toBe('Åkerö Utbildning AB');
    await summary.getByRole('link', { name: /Organisationsnumret/ }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('orgNumber');
    await organisation.getByLabel('Organisationsnummer').fill('556677-8899');
    await page.getByRole('button', { name: 'Fortsätt' }).click();

    await page.waitForURL('**/ansok/kontrollera');
    await expectAccessible(page);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Kontrollera dina uppgifter');
    expect(await page.title()).not.toMatch(/^Fel:/);
    expect(await page.getByText('556677-8899').isVisible()).toBe(true);
    // The areas are a row of the organisation's answers, not a section whose only row repeats its heading.
    expect(await page.getByRole('heading', { name: 'Organisationens roll mot myndigheten' }).count()).toBe(0);
    expect(await page.getByText('Organisationens roll mot myndigheten', { exact: true }).count()).toBe(1);
    // The declaration and the personal-data notice come before the button that sends.
    const declaration = page.getByText('När du skickar in ansökan bekräftar du att uppgifterna är riktiga');
    expect(await declaration.isVisible()).toBe(true);
    const [declarationTop, buttonTop] = await Promise.all([
      declaration.evaluate((element) => element.getBoundingClientRect().top),
      page.getByRole('button', { name: 'Skicka in ansökan' }).evaluate((element) => element.getBoundingClientRect().top),
    ]);
    expect(declarationTop).toBeLessThan(buttonTop);
    expect(await page.getByRole('main').getByRole('link', { name: 'Så behandlar vi personuppgifter' }).getAttribute('href')).toBe('/handbok/personuppgifter');
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

  it('refuses the taken organisation number at the first "Fortsätt", with what to do instead', async () => {
    await page.goto(`${server.url}/ansok`);
    // The rule stands at the top of the form.
    expect(await page.getByRole('heading', { name: 'Ett konto per organisationsnummer' }).isVisible()).toBe(true);
    await inGroup('Organisation').getByLabel('Organisationsnummer').fill('556677-8899');
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe('/ansok');
    const summary = page.getByRole('alert');
    const text = (await summary.textContent()) ?? '';
    for (const expected of ['Det finns redan ett konto eller en pågående ansökan', 'fullmaktshavare kan logga in', '000-000 00 00'])
      expect(text).toContain(expected);
    expect(await page.locator('#orgNumber-error').textContent()).toContain('Det finns redan ett konto');
    await expectAccessible(page);
  });

  it('shows every error of a blank form at once, each naming its person, and a summary link brings the question into view', async () => {
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(`${server.url}/ansok`);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.waitForLoadState('load');
    expect(await page.title()).toMatch(/^Fel: Ansök om användarkonto – /);
    const summary = page.getByRole('alert');
    const links = await summary.getByRole('link').allTextContents();
    for (const expected of [
      'Ange organisationsnumret',
      'Välj minst ett område som organisationen ansöker om',
      'Ange fullmaktsgivarens förnamn',
      'Ange fullmaktsgivarens efternamn',
      'Ange fullmaktsgivarens personnummer',
      'Ange fullmaktsgivarens befattning, till exempel VD eller rektor',
      'Ange fullmaktshavarens förnamn',
      'Ange fullmaktshavarens efternamn',
      'Ange fullmaktshavarens personnummer',
      'Ange fullmaktshavarens e-postadress',
      'Ange fullmaktshavarens telefonnummer',
    ])
      expect(links).toContain(expected);
    // No bare "Ange förnamn": every person's field says whose it is.
    expect(links.filter((link) => /^Ange (förnamn|efternamn|personnummer)$/.test(link))).toEqual([]);
    await expectAccessible(page);

    const inView = (selector: string) =>
      page.evaluate((query) => {
        const box = document.querySelector(query)!.getBoundingClientRect();
        // Scrolled to the top edge, it may sit a fraction of a pixel above it.
        return box.top >= -1 && box.bottom <= window.innerHeight;
      }, selector);
    for (const [name, id, question] of [
      ['Ange fullmaktshavarens personnummer', 'holderPersonnummer', 'label[for="holderPersonnummer"]'],
      ['Välj minst ett område som organisationen ansöker om', 'areas', '#areas-hint'],
      ['Ange fullmaktsgivarens förnamn', 'signatoryFirstName', 'label[for="signatoryFirstName"]'],
    ]) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await summary.getByRole('link', { name, exact: true }).click();
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(id);
      expect(await inView(question), name).toBe(true);
      expect(await inView(`#${id}`), name).toBe(true);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('hides the holder\'s name and personnummer while "samma person" is ticked', async () => {
    await page.goto(`${server.url}/ansok`);
    const holder = inGroup('Fullmaktshavare');
    const box = holder.getByLabel('Fullmaktshavaren är samma person som fullmaktsgivaren');
    expect(await holder.getByLabel('Förnamn').isVisible()).toBe(true);
    await box.check();
    for (const label of ['Förnamn', 'Efternamn', 'Personnummer']) expect(await holder.getByLabel(label).isVisible(), label).toBe(false);
    // Contact details are the holder's own either way.
    expect(await holder.getByLabel('E-post').isVisible()).toBe(true);
    await expectAccessible(page);
    await box.uncheck();
    expect(await holder.getByLabel('Förnamn').isVisible()).toBe(true);
  });

  it('links the personal-data page from the form and the footer; the page names the authority, its settings and passes axe', async () => {
    await page.goto(`${server.url}/ansok`);
    const fromForm = page.getByRole('main').getByRole('link', { name: 'Så behandlar vi personuppgifter' });
    expect(await fromForm.getAttribute('href')).toBe('/handbok/personuppgifter');
    const fromFooter = page.getByRole('contentinfo').getByRole('link', { name: 'Personuppgifter', exact: true });
    expect(await fromFooter.getAttribute('href')).toBe('/handbok/personuppgifter');
    await fromFooter.click();
    await page.waitForURL('**/handbok/personuppgifter**');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Så behandlar vi personuppgifter');
    const text = (await page.getByRole('main').textContent()) ?? '';
    for (const expected of [
      'Demomyndigheten för utbildning är personuppgiftsansvarig',
      'dataskyddsombud@demomyndigheten.example',
      'sparas i 24 månader',
      'inom 60 dagar',
      'Integritetsskyddsmyndigheten (IMY)',
      'allmänt intresse',
    ])
      expect(text).toContain(expected);
    await expectAccessible(page);
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
