import type { Browser, Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('Ansök om ny roll, through to approval', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  const dir = tempDir('role-request');
  const signIn = async (username: string): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    collectPageErrors(page, errors);
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL(/\/(mina-tjanster|handlaggning)$/);
    return page;
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
    dir.remove();
  });

  it('lets the fullmaktshavare apply for a new area, print it, and give its roles once a handläggare approves', async () => {
    const holder = await signIn('ds1001');
    await holder.goto(`${server.url}/mina-tjanster/organisation`);
    await holder.getByRole('link', { name: 'Ansök om ny roll' }).click();
    await expectAccessible(holder);
    await holder.getByRole('button', { name: 'Ansök om godkännande' }).click();
    expect(await holder.getByRole('alert').textContent()).toContain('Välj minst ett område');
    await expectAccessible(holder);
    await holder.getByLabel('Utbildning med endast tillsyn').check();
    await holder.getByRole('button', { name: 'Ansök om godkännande' }).click();
    await holder.waitForURL(/\/ny-roll\/\d+$/);
    await expectAccessible(holder);
    const reference = /NR-\d{4}-\d{5}/.exec((await holder.getByRole('heading', { level: 1 }).textContent()) ?? '')![0];
    const [download] = await Promise.all([holder.waitForEvent('download'), holder.getByRole('link', { name: 'Ansökan om ny roll (PDF)' }).click()]);
    const file = path.join(dir.path, 'ny-roll.pdf');
    await download.saveAs(file);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain(reference);
    expect(text).toContain('Utbildning med endast tillsyn');

    // Before approval the area's roles are not offered.
    const before = await (
      await fetch(`${server.url}/mina-tjanster/organisation/anvandare/ny`, {
        headers: { Cookie: (await holder.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
      })
    ).text();
    expect(before).not.toContain('Hantera ansökan ET');

    const staff = await signIn('hl1001');
    await staff.getByRole('link', { name: 'Ansökningar om nya roller' }).click();
    await expectAccessible(staff);
    await staff.getByRole('link', { name: reference }).click();
    await expectAccessible(staff);
    // The handläggare sees the same documents the organisation printed, and the history.
    const [staffDownload] = await Promise.all([staff.waitForEvent('download'), staff.getByRole('link', { name: 'Ansökan om ny roll (PDF)' }).click()]);
    const staffFile = path.join(dir.path, 'ny-roll-handlaggning.pdf');
    await staffDownload.saveAs(staffFile);
    expect(execFileSync('pdftotext', [staffFile, '-'], { encoding: 'utf8' })).toContain(reference);
    const history = staff.getByRole('region', { name: 'Historik' });
    expect(await history.getByRole('row').filter({ hasText: 'Inskickad' }).textContent()).toContain('Maria Lindqvist');
    await staff.getByRole('button', { name: 'Registrera mottaget underlag' }).click();
    await staff.waitForURL(/klart=paper/);
    await staff.getByRole('button', { name: 'Godkänn' }).click();
    await staff.waitForURL(/\/godkann$/);
    await expectAccessible(staff);
    await staff.getByRole('button', { name: 'Ja, godkänn ansökan' }).click();
    await staff.waitForURL(/klart=approve/);
    await expectAccessible(staff);
    expect(await history.getByRole('row').filter({ hasText: 'Underlag mottaget' }).textContent()).toContain('Hanna Lund');
    expect(await history.getByRole('row').filter({ hasText: 'Godkänd' }).textContent()).toContain('Hanna Lund');

    await holder.goto(`${server.url}/mina-tjanster/organisation/anvandare/ny`);
    expect(await holder.getByLabel('Hantera ansökan ET i Demoskolan AB').count()).toBe(1);
    await holder.goto(`${server.url}/mina-tjanster/organisation`);
    expect(await holder.getByText('Utbildning med endast tillsyn (godkänt').count()).toBe(1);
  });
});
