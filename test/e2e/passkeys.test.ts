import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/ports.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/**
 * Passkeys in Chromium with its virtual authenticator (DevTools WebAuthn domain): a
 * platform authenticator that keeps discoverable credentials and verifies the user at once.
 * WebAuthn needs a secure context and a domain as the RP ID, so the portal is reached as
 * http://localhost (a secure context), never as 127.0.0.1 (an IP address is no RP ID).
 */
describe('passkeys in the browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let base = '';
  let userId = 0;
  let authenticatorId = '';
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    const port = await freePort();
    base = `http://localhost:${port}`;
    server = await startServer({ DATABASE_URL: t.url, PORT: String(port), PUBLIC_URL: base });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, errors);
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    authenticatorId = added.authenticatorId;
    userId = (await t.db.selectFrom('app_user').select('id').where('username', '=', 'ds1002').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  const sessions = () =>
    t.db.selectFrom('user_session').select(['amr', 'second_factor_at']).where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  const logOut = async () => {
    await page.getByRole('button', { name: 'Logga ut' }).first().click();
    await page.waitForURL('**/logga-in?utloggad=1');
  };
  const logInWithPassword = async () => {
    await page.goto(`${base}/logga-in`);
    await page.getByLabel('Användarnamn').fill('ds1002');
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in', exact: true }).click();
    // With the second-factor guard (the other half of issue 17) a user with a factor goes to the second step first.
    await page.waitForURL(/\/mina-tjanster$|\/logga-in\/steg-tva/);
  };

  it('registers a passkey on the passkeys page after a password login, with the name it is given', async () => {
    await logInWithPassword();
    await page.goto(`${base}/mina-tjanster/sakerhet/passkeys`);
    await expect.poll(() => page.getByRole('button', { name: 'Skapa passkey' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('Du har inga passkeys ännu.').isVisible()).toBe(true);
    await expectAccessible(page);

    // No name: said beside the field and in the alert, and nothing is asked of the authenticator.
    await page.getByRole('button', { name: 'Skapa passkey' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Ange ett namn på din passkey' }).count()).toBe(1);
    expect(await page.getByLabel('Namn på passkey').getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.locator('#passkey-name-error').textContent()).toContain('Ange ett namn på din passkey');
    await expectAccessible(page);

    await page.getByLabel('Namn på passkey').fill('Jobbdatorn');
    await page.getByRole('button', { name: 'Skapa passkey' }).click();
    await page.waitForURL('**/mina-tjanster/sakerhet/passkeys?ny=1');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Din passkey är sparad.' }).count()).toBe(1);
    const row = page.getByRole('row').filter({ hasText: 'Jobbdatorn' });
    expect(await row.getByRole('cell').allTextContents()).toEqual(['Jobbdatorn', expect.any(String), 'Inte använd ännu', 'Ta bort']);
    await expectAccessible(page);

    // Enrolling the first factor with user verification counts as showing it in this session.
    expect((await sessions())[0].amr.sort()).toEqual(['hwk', 'pwd']);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    const stored = await t.db.selectFrom('passkey').select(['credential_id', 'name']).where('user_id', '=', userId).execute();
    expect(stored).toEqual([{ credential_id: credentials[0].credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), name: 'Jobbdatorn' }]);
  });

  it('logs in with the passkey alone, without a username, and the session says how (amr hwk and user)', async () => {
    await logOut();
    await expect.poll(() => page.getByRole('button', { name: 'Fortsätt med passkey' }).isVisible()).toBe(true);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Fortsätt med passkey' }).click();
    await page.waitForURL('**/mina-tjanster');
    const [current] = await sessions();
    expect(current.amr).toEqual(['hwk', 'user']);
    expect(current.second_factor_at).not.toBeNull();
    const event = await t.db
      .selectFrom('audit_event')
      .select(['event', 'detail'])
      .where('subject_user_id', '=', userId)
      .where('event', '=', 'login.succeeded')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(event.detail).toEqual({ method: 'passkey' });
    await page.goto(`${base}/mina-tjanster/sakerhet/passkeys`);
    const row = page.getByRole('row').filter({ hasText: 'Jobbdatorn' });
    await expect.poll(async () => (await row.getByRole('cell').allTextContents())[2]).not.toBe('Inte använd ännu');
  });

  it('after a password alone asks for the passkey before one is added or removed, and the step-up adds hwk to the session', async () => {
    await logOut();
    await logInWithPassword();
    if (page.url().includes('/logga-in/steg-tva')) {
      // Where the guard sends a password-only session of a user with a factor to the second
      // step before any other page, the passkey is used there, and this page is never seen
      // without it.
      await expect.poll(() => page.getByRole('button', { name: 'Använd din passkey' }).isVisible()).toBe(true);
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Använd din passkey' }).click();
      await page.waitForURL('**/mina-tjanster');
      expect((await sessions())[0].amr.sort()).toEqual(['hwk', 'pwd']);
      await page.goto(`${base}/mina-tjanster/sakerhet/passkeys`);
      return;
    }
    await page.goto(`${base}/mina-tjanster/sakerhet/passkeys`);
    await expect.poll(() => page.getByText('Du har redan ett sätt att logga in i två steg.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Skapa passkey' }).count()).toBe(0);
    await expect.poll(() => page.getByRole('button', { name: 'Använd din passkey' }).isVisible()).toBe(true);
    await expectAccessible(page);
    expect((await sessions())[0].amr).toEqual(['pwd']);

    // Without the second step the removal is refused, on its own page, with the step offered there.
    await page.getByRole('button', { name: 'Ta bort passkey Jobbdatorn' }).click();
    await page.waitForURL('**/passkeys/ta-bort?id=*');
    await expect.poll(() => page.getByRole('button', { name: 'Använd din passkey' }).isVisible()).toBe(true);
    const response = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Ja, ta bort passkey' }).click(),
    ]);
    expect(response[0].status()).toBe(403);
    await page.waitForLoadState('load');
    expect(await page.locator('[data-error-summary]').textContent()).toContain('Bekräfta först att det är du med ett andra steg');
    await expectAccessible(page);
    expect(await t.db.selectFrom('passkey').select('name').where('user_id', '=', userId).execute()).toEqual([{ name: 'Jobbdatorn' }]);
    await page.goto(`${base}/mina-tjanster/sakerhet/passkeys`);

    await page.getByRole('button', { name: 'Använd din passkey' }).click();
    await page.waitForURL('**/mina-tjanster/sakerhet/passkeys?bekraftad=1');
    expect((await sessions())[0].amr.sort()).toEqual(['hwk', 'pwd']);
    await expect.poll(() => page.getByRole('button', { name: 'Skapa passkey' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Använd din passkey' }).count()).toBe(0);
    await expectAccessible(page);
  });

  it('removes the passkey through its confirmation page, and the log says so', async () => {
    await page.getByRole('button', { name: 'Ta bort passkey Jobbdatorn' }).click();
    await page.waitForURL('**/mina-tjanster/sakerhet/passkeys/ta-bort?id=*');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Vill du ta bort passkey Jobbdatorn?');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Ja, ta bort passkey' }).click();
    await page.waitForURL('**/mina-tjanster/sakerhet/passkeys?borttagen=1');
    await expect.poll(() => page.getByText('Du har inga passkeys ännu.').isVisible()).toBe(true);
    await expectAccessible(page);
    expect(await t.db.selectFrom('passkey').select('name').where('user_id', '=', userId).execute()).toEqual([]);
    const events = await t.db
      .selectFrom('audit_event')
      .select('event')
      .where('subject_user_id', '=', userId)
      .where('event', 'like', 'passkey.%')
      .orderBy('id')
      .execute();
    expect(events.map((event) => event.event)).toEqual(['passkey.registered', 'passkey.stepUp', 'passkey.removed']);
  });

  it('refuses a passkey the portal no longer knows, with the same words as for any passkey that does not work', async () => {
    await logOut();
    await page.getByRole('button', { name: 'Fortsätt med passkey' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Det gick inte att logga in med den passkey du valde.' }).count()).toBe(1);
    expect(page.url()).toContain('/logga-in');
    // The 401 the script showed is the expected answer here, not a fault of the page.
    expect(errors.splice(0).filter((error) => !error.includes('/api/passkey/login'))).toEqual([]);
    await expectAccessible(page);
  });

  it('says so where a browser cannot use passkeys, or runs no JavaScript, and offers no button that cannot work', async () => {
    const without = await browser.newContext();
    await without.addInitScript(() => Reflect.deleteProperty(window, 'PublicKeyCredential'));
    const old = await without.newPage();
    collectPageErrors(old, errors);
    await old.goto(`${base}/logga-in`);
    await expect.poll(() => old.getByText('Den här webbläsaren kan inte använda passkeys.').isVisible()).toBe(true);
    expect(await old.getByRole('button', { name: 'Fortsätt med passkey' }).count()).toBe(0);
    await expectAccessible(old);
    await without.close();

    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await plain.goto(`${base}/logga-in`);
    // Chromium with scripts switched off by DevTools still hides <noscript> (its scripting flag stays on), so the note is read from the page as a browser without JavaScript renders it.
    expect(await plain.locator('noscript').allTextContents()).toEqual([expect.stringContaining('Passkeys kräver JavaScript.')]);
    expect(await plain.getByRole('button', { name: 'Fortsätt med passkey' }).count()).toBe(0);
    expect(await plain.getByRole('button', { name: 'Logga in', exact: true }).isVisible()).toBe(true);
    await noScript.close();
  });
});
