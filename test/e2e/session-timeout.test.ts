import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { createMember } from '../helpers/users.ts';

const PASSWORD = 'lösenord för tidsgränsen';

/**
 * Short limits (idle 1 minute, warning 30 s). The browser's clock is Playwright's and
 * the server's is moved through CLOCK_OFFSET_FILE, so nothing waits for real minutes.
 */
describe('the warning before automatic logout', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const errors: string[] = [];
  const clockDir = tempDir('session-clock');
  const clockFile = path.join(clockDir.path, 'offset');
  // Reset even when a test fails half-way, so the next one starts at the real time.
  afterEach(() => {
    writeFileSync(clockFile, '0');
    expectNoPageErrors(errors);
  });

  const signIn = async (username: string): Promise<Page> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    collectPageErrors(page, errors);
    await page.clock.install();
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/mina-tjanster');
    await page.locator('[data-session-dialog][data-ready]').waitFor({ state: 'attached' });
    return page;
  };

  beforeAll(async () => {
    writeFileSync(clockFile, '0');
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, SESSION_IDLE_MINUTES: '1', SESSION_WARNING_SECONDS: '30', CLOCK_OFFSET_FILE: clockFile });
    for (const username of ['ti0001', 'ti0002']) await createMember(t.db, { username, password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
    clockDir.remove();
  });

  it('warns in a dialog with the focus on "stay", and staying extends the session on the server', async () => {
    const page = await signIn('ti0001');
    const dialog = page.getByRole('dialog', { name: 'Vill du fortsätta vara inloggad?' });
    expect(await dialog.isVisible()).toBe(false);
    writeFileSync(clockFile, String(35_000));
    await page.clock.fastForward('00:35');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toMatch(/loggas du ut om \d+ sekunder/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Fortsätt vara inloggad');
    await expectAccessible(page);

    writeFileSync(clockFile, String(40_000));
    await page.getByRole('button', { name: 'Fortsätt vara inloggad' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    // The server counted the click as activity: a full minute is left again on its clock.
    const left = await page.evaluate(async () => (await (await fetch('/api/session')).json()) as { idleSeconds: number });
    expect(left.idleSeconds).toBeGreaterThan(50);
    // Asking did not extend it: the poll is not activity.
    writeFileSync(clockFile, String(70_000));
    const later = await page.evaluate(async () => (await (await fetch('/api/session')).json()) as { idleSeconds: number });
    expect(later.idleSeconds).toBeLessThan(left.idleSeconds - 20);
  });

  it('treats Escape as "stay"', async () => {
    const page = await signIn('ti0002');
    writeFileSync(clockFile, String(35_000));
    await page.clock.fastForward('00:35');
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await page.context().close();
  });

  it('logs the user out at zero and says why on the login page', async () => {
    const page = await signIn('ti0001');
    writeFileSync(clockFile, String(35_000));
    await page.clock.fastForward('00:35');
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(true);
    writeFileSync(clockFile, String(61_000));
    await page.clock.fastForward('00:30');
    await page.waitForURL('**/logga-in?utloggad=inaktiv');
    expect(await page.getByRole('status').textContent()).toContain('Du loggades ut eftersom du inte hade gjort något i portalen på 1 minut.');
    await expectAccessible(page);
    writeFileSync(clockFile, '0');
    const back = await page.goto(`${server.url}/mina-tjanster`);
    expect(back?.url()).toContain('/logga-in');
  });

  it('shows a banner when the network goes away', async () => {
    const page = await signIn('ti0002');
    const banner = page.getByText('Du verkar inte vara ansluten till internet');
    expect(await banner.isVisible()).toBe(false);
    await page.context().setOffline(true);
    await expect.poll(() => banner.isVisible()).toBe(true);
    await page.context().setOffline(false);
    await expect.poll(() => banner.isVisible()).toBe(false);
  });
});
