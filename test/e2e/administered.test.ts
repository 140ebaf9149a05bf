import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { printLettersAndSendOneTimePasswords } from '../helpers/users.ts';

/**
 * Acceptance 2 of issue 19: for an organisation administered by the authority, a
 * handläggare creates a user with a role; the letter and then the one-time password
 * follow; the organisation's own administrator sees the user and cannot change them
 * (the page offers nothing, the server refuses); the audit names the handläggare.
 */
describe('an organisation the authority administers, in a browser', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  const signIn = async (username: string): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    collectPageErrors(page, errors);
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/logga-in'));
    return page;
  };

  it('lets a handläggare create a user that the organisation’s own administrator sees but cannot change', async () => {
    const organisation = await t.db.selectFrom('organisation').select('id').where('name', '=', 'Demoskolan AB').executeTakeFirstOrThrow();
    const officer = await t.db.selectFrom('app_user').select('id').where('username', '=', 'hl1001').executeTakeFirstOrThrow();
    const base = `${server.url}/handlaggning/organisationer/${organisation.id}`;

    const staff = await signIn('hl1001');
    await visit(staff, `${base}/installningar`);
    await staff.getByRole('button', { name: 'Låt myndigheten administrera användarna' }).click();
    await staff.waitForURL(/andra=1$/);
    await expectAccessible(staff);
    await staff.getByRole('button', { name: 'Ja, myndigheten administrerar användarna' }).click();
    await staff.waitForURL(/klart=administreras$/);
    expect(await staff.getByRole('status').first().textContent()).toContain('Myndigheten administrerar nu');
    await expectAccessible(staff);

    await staff.getByRole('button', { name: 'Användare i Demoskolan AB' }).click();
    await expectAccessible(staff);
    await staff.getByRole('button', { name: 'Lägg till användare' }).click();
    await staff.waitForURL(/\/anvandare\/ny$/);
    await expectAccessible(staff);
    // An empty form is refused with an error summary.
    await staff.getByRole('button', { name: 'Lägg till användaren' }).click();
    await expectAccessible(staff);
    await staff.getByLabel('Förnamn').fill('Pia');
    await staff.getByLabel('Efternamn').fill('Papper');
    await staff.getByLabel('E-post').fill('pia.papper@demoskolan.example');
    await staff.getByRole('checkbox', { name: 'Hantera ansökan YH i Demoskolan AB' }).check();
    await staff.getByRole('button', { name: 'Lägg till användaren' }).click();
    await staff.waitForURL(/\/anvandare\/\d+\?klart=ny$/);
    await expectAccessible(staff);
    const userId = Number(new URL(staff.url()).pathname.split('/').pop());
    expect(await staff.getByRole('checkbox', { name: 'Hantera ansökan YH i Demoskolan AB' }).isChecked()).toBe(true);

    await visit(staff, `${base}/anvandare/${userId}/epost`);
    await visit(staff, `${base}/anvandare/${userId}/inaktivera`);

    // The letter comes first: it waits to be printed, and no one-time password is sent before it.
    const oneTimePasswords = () =>
      t.db
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', 'pia.papper@demoskolan.example')
        .where('subject', 'like', '%engångslösenord%')
        .execute();
    await visit(staff, `${server.url}/handlaggning/brev`);
    expect(await staff.getByText('Pia Papper').count()).toBeGreaterThan(0);
    expect(await oneTimePasswords()).toEqual([]);
    await staff.getByRole('button', { name: 'Markera brevet till Pia Papper som utskrivet' }).click();
    await staff.waitForURL(/klart=utskrivet/);
    const letter = await t.db.selectFrom('user_letter').select('printed_at').where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(letter.printed_at).not.toBeNull();
    // Time moves on past the delay: the one-time password follows.
    await printLettersAndSendOneTimePasswords(t.db, [userId]);
    expect(await oneTimePasswords()).toHaveLength(1);

    // The organisation's fullmaktshavare sees the user and is offered nothing to change.
    const holder = await signIn('ds1001');
    await visit(holder, `${server.url}/mina-tjanster/organisation/anvandare`);
    expect(await holder.getByRole('link', { name: 'Pia Papper' }).count()).toBe(1);
    expect(await holder.getByRole('button', { name: 'Lägg till användare' }).count()).toBe(0);
    await holder.getByRole('link', { name: 'Pia Papper' }).click();
    await holder.waitForURL(new RegExp(`/anvandare/${userId}$`));
    await expectAccessible(holder);
    expect(await holder.getByText('Myndigheten administrerar användarna i er organisation').count()).toBe(1);
    expect(await holder.getByRole('checkbox').count()).toBe(0);
    for (const name of ['Spara rollerna', 'Inaktivera användaren', 'Skicka nytt engångslösenord'])
      expect(await holder.getByRole('button', { name }).count(), name).toBe(0);
    // The server refuses what the page does not offer.
    const refused = await holder.request.post(`${server.url}/mina-tjanster/organisation/anvandare/${userId}?_action=organisation.setActive`, {
      form: { user: String(userId), active: 'nej' },
      headers: { Origin: server.url },
      maxRedirects: 0,
    });
    expect(refused.status()).toBe(403);
    const user = await t.db.selectFrom('app_user').select('status').where('id', '=', userId).executeTakeFirstOrThrow();
    expect(user.status).toBe('active');

    // The audit names the handläggare for every change the authority made.
    const events = await t.db
      .selectFrom('audit_event')
      .select(['event', 'actor_user_id'])
      .where('subject_user_id', '=', userId)
      .where('event', 'in', ['user.created', 'roles.changed'])
      .execute();
    expect(events).toHaveLength(2);
    for (const event of events) expect(event.actor_user_id).toBe(officer.id);
  });

  it('offers the blank order form from the handbook, as a PDF', async () => {
    const page = await (await browser.newContext()).newPage();
    collectPageErrors(page, errors);
    await visit(page, `${server.url}/handbok/bestall-behorighet-pa-papper`);
    const link = page.getByRole('link', { name: 'blanketten Beställning av behörighet (PDF)' });
    const href = await link.getAttribute('href');
    expect(href).toBe('/handbok/bestallning-av-behorighet.pdf');
    const response = await fetch(`${server.url}${href}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/pdf');
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });
});
