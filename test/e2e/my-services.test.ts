import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { hashPassword } from '#server/identity/password.ts';
import { insertUser } from '#server/identity/users.ts';
import { formatOrgNumber } from '#server/platform/format.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';
import { parseXml, type XmlElement } from '../helpers/xml.ts';

const PASSWORD = 'lösenord för mina tjänster';

describe('Mina tjänster', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));

  let organisationId: number;
  let konstlinjenCode: string;
  let staffId = 0;
  const signIn = async (target: Page, username = 'mt0001', landing = '**/mina-tjanster') => {
    await target.goto(`${server.url}/logga-in`);
    await target.getByLabel('Användarnamn').fill(username);
    await target.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
    await target.getByRole('button', { name: 'Logga in' }).click();
    await target.waitForURL(landing);
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
    organisationId = user.organisation_id!;
    konstlinjenCode = (await t.db.selectFrom('unit').select('unit_code').where('id', '=', unit.id).executeTakeFirstOrThrow()).unit_code;
    // A user of another organisation with YH roles only: the KK news are not for her.
    await createMember(t.db, { username: 'mt0002', password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION, roles: ['YH_ANSOKAN'] });
    const staff = await insertUser(
      t.db,
      {
        username: 'hl0001',
        kind: 'staff',
        organisationId: null,
        firstName: 'Kim',
        lastName: 'Ansvarig',
        email: 'kim@myndigheten.example',
        passwordHash: await hashPassword(PASSWORD),
        passwordChangedAt: new Date(),
        termsVersion: CURRENT_TERMS_VERSION,
      },
      new Date(),
    );
    staffId = staff.id;
    await t.db
      .insertInto('authority_contact')
      .values({ user_id: staff.id, name: 'Kim Ansvarig', phone: '000-123 45 67', email: 'kim@myndigheten.example' })
      .execute();
    await t.db.insertInto('authority_contact').values({ name: 'Lo Annan', phone: '000-123 45 68', email: 'lo@myndigheten.example' }).execute();
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
    expect(await menu.getByRole('link').allTextContents()).toEqual([
      'Ansökan om utbildning (öppnas i nytt fönster)',
      'Studiedokumentation (öppnas i nytt fönster)',
      // The demo's example e-service, reached with the roles for Ansökan om utbildning.
      'Exempeltjänsten (öppnas i nytt fönster)',
    ]);
    await page.getByLabel('Vald enhet').selectOption({ label: 'Konstlinjen' });
    await page.getByRole('button', { name: 'Byt enhet' }).click();
    await page.waitForURL('**/mina-tjanster?enhet=bytt');
    await expectAccessible(page);
    expect(await menu.getByRole('link').allTextContents()).toEqual(['Beviljade utbildningar (öppnas i nytt fönster)']);
    expect(await page.getByText('Dina roller: Hantera beviljad utbildning KK').isVisible()).toBe(true);
    await page.goto(`${server.url}/mina-tjanster`);
    expect(await page.getByText('Du arbetar nu i enheten Konstlinjen.').isVisible()).toBe(true);
  });

  it('at 390 px shows Vald enhet with its enhetskod before the services, whose links open a new window and say so', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    collectPageErrors(phone, errors);
    await signIn(phone);
    await expectAccessible(phone);
    const servicesHeading = await phone.getByRole('heading', { name: 'Dina tjänster' }).boundingBox();
    for (const unitPart of [phone.getByLabel('Vald enhet'), phone.getByText('Du arbetar nu i enheten'), phone.getByText('Enhetskod:')]) {
      expect((await unitPart.boundingBox())!.y).toBeLessThan(servicesHeading!.y);
    }
    expect(await phone.getByText(`Enhetskod: ${konstlinjenCode}`).isVisible()).toBe(true);
    expect(konstlinjenCode).toMatch(/^E\d{6}$/);
    const links = phone.getByRole('navigation', { name: 'Dina tjänster' }).getByRole('link');
    expect(await links.count()).toBeGreaterThan(0);
    for (const link of await links.all()) {
      expect(await link.textContent()).toContain('(öppnas i nytt fönster)');
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(await link.getAttribute('rel')).toContain('noopener');
    }
    // Logged out again, so that the session list below counts the logins it makes.
    await phone.setViewportSize({ width: 1280, height: 800 });
    await phone.getByRole('button', { name: 'Logga ut' }).first().click();
    await phone.waitForURL('**/logga-in?utloggad=1');
    await phone.close();
  });

  it('lets a handläggare choose the contact persons responsible for an organisation, shown in bold in Kontakta oss', async () => {
    const office = await (await browser.newContext()).newPage();
    collectPageErrors(office, errors);
    await signIn(office, 'hl0001', '**/handlaggning');
    await office.getByRole('link', { name: 'Kontaktpersoner' }).click();
    await expectAccessible(office);
    const orgNumber = (await t.db.selectFrom('organisation').select('org_number').where('id', '=', organisationId).executeTakeFirstOrThrow()).org_number;
    await office.getByLabel('Organisationsnummer').fill(formatOrgNumber(orgNumber));
    await office.getByRole('button', { name: 'Hämta' }).click();
    await expectAccessible(office);
    await office.getByLabel('Kim Ansvarig').check();
    await office.getByRole('button', { name: 'Spara ansvariga' }).click();
    await office.waitForURL('**/handlaggning/kontaktpersoner?*klart=ansvariga');
    expect(await office.getByLabel('Kim Ansvarig').isChecked()).toBe(true);
    const audit = await t.db.selectFrom('audit_event').select(['actor_user_id', 'detail']).where('event', '=', 'contact.responsible').execute();
    expect(audit).toEqual([{ actor_user_id: staffId, detail: { organisation: orgNumber, before: '', after: 'Kim Ansvarig' } }]);
    await office.close();

    await page.goto(`${server.url}/mina-tjanster`);
    await page.getByRole('link', { name: 'Kontakta oss' }).click();
    await page.waitForURL('**/mina-tjanster/kontakta-oss');
    await expectAccessible(page);
    expect(await page.locator('strong', { hasText: 'Kim Ansvarig' }).count()).toBe(1);
    expect(await page.locator('strong', { hasText: 'Lo Annan' }).count()).toBe(0);
    expect(await page.getByText('Lo Annan').isVisible()).toBe(true);
    const responsible = page.getByRole('listitem').filter({ hasText: 'Kim Ansvarig' });
    expect(await responsible.textContent()).toContain('Ansvarig för er organisation');
    expect(await page.getByRole('listitem').filter({ hasText: 'Lo Annan' }).textContent()).not.toContain('Ansvarig för er organisation');
  });

  it('finds a unit at the support desk by its enhetskod, whatever the case', async () => {
    const office = await (await browser.newContext()).newPage();
    collectPageErrors(office, errors);
    await signIn(office, 'hl0001', '**/handlaggning');
    await visit(office, `${server.url}/handlaggning/anvandare?q=${konstlinjenCode.toLowerCase()}`);
    expect(await office.getByRole('heading', { name: `Enhet ${konstlinjenCode}` }).isVisible()).toBe(true);
    expect(await office.getByText('Konstlinjen', { exact: true }).isVisible()).toBe(true);
    expect(await office.getByRole('table', { name: 'Användare med roller i enheten' }).getByRole('link').allTextContents()).toEqual(['Test Användare']);
    await visit(office, `${server.url}/handlaggning/anvandare?q=E000000`);
    expect(await office.getByRole('status').textContent()).toContain('Ingen enhet har enhetskoden E000000.');
    await office.close();
  });

  it('Anpassa: remembers the unit Mina tjänster opens with and the optional e-mails', async () => {
    await page.goto(`${server.url}/mina-tjanster`);
    await page.getByRole('link', { name: 'Anpassa' }).click();
    await page.waitForURL('**/mina-tjanster/anpassa');
    await expectAccessible(page);
    expect(await page.getByLabel('Påminnelser innan mitt lösenord slutar gälla').isChecked()).toBe(true);
    await page.getByLabel(/^Testskolan AB/).check();
    await page.getByLabel('Påminnelser innan mitt lösenord slutar gälla').uncheck();
    await page.getByLabel('Nyheter i e-tjänsten som gäller mig').check();
    await page.getByRole('button', { name: 'Spara' }).click();
    await page.waitForURL('**/mina-tjanster?sparat=1');
    expect(await page.getByText('Dina val är sparade.').isVisible()).toBe(true);
    expect(await page.getByText('Du arbetar nu i enheten Testskolan AB.').isVisible()).toBe(true);
    const saved = await t.db.selectFrom('app_user').select(['mail_password_reminders', 'mail_news']).where('username', '=', 'mt0001').executeTakeFirstOrThrow();
    expect(saved).toEqual({ mail_password_reminders: false, mail_news: true });
  });

  it('shows news targeted to KK to a KK user and not to a YH-only user', async () => {
    const kkTitle = 'Ny period för att rapportera konst- och kulturutbildningar';
    const yhTitle = 'Ansökningsomgången för yrkeshögskoleutbildningar öppnar i januari';
    // The latest three on the start of Mina tjänster, every one that concerns the user under "Alla nyheter för dig".
    await page.goto(`${server.url}/mina-tjanster`);
    expect(await page.getByRole('region', { name: 'Nyheter i e-tjänsten' }).getByRole('heading', { level: 3 }).count()).toBe(3);
    await page.getByRole('link', { name: 'Alla nyheter för dig' }).click();
    await page.waitForURL('**/mina-tjanster/nyheter');
    await expectAccessible(page);
    expect(await page.getByRole('heading', { name: kkTitle }).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: yhTitle }).isVisible()).toBe(true);
    const other = await (await browser.newContext()).newPage();
    collectPageErrors(other, errors);
    await signIn(other, 'mt0002');
    await visit(other, `${server.url}/mina-tjanster/nyheter`);
    expect(await other.getByRole('heading', { name: yhTitle }).isVisible()).toBe(true);
    expect(await other.getByRole('heading', { name: kkTitle }).count()).toBe(0);
    // Neither among the latest on the start of Mina tjänster.
    await other.goto(`${server.url}/mina-tjanster`);
    expect(await other.getByRole('region', { name: 'Nyheter i e-tjänsten' }).getByRole('heading', { name: kkTitle }).count()).toBe(0);
    await other.close();
  });

  it('shows the news for everyone on the start page and all of them on /nyheter, and lists the services on the login page', async () => {
    const visitor = await (await browser.newContext()).newPage();
    collectPageErrors(visitor, errors);
    await visit(visitor, `${server.url}/`);
    const start = visitor.getByRole('region', { name: 'Nyheter' });
    expect(await start.getByRole('heading', { level: 3 }).count()).toBe(3);
    expect(await start.getByText('Gäller alla').count()).toBe(3);
    await visit(visitor, `${server.url}/nyheter`);
    expect(await visitor.getByRole('heading', { name: 'Ny period för att rapportera konst- och kulturutbildningar' }).isVisible()).toBe(true);
    await visit(visitor, `${server.url}/logga-in`);
    const services = visitor.getByRole('region', { name: 'Här loggar du in till' });
    expect(await services.getByRole('listitem').allTextContents()).toEqual([
      'Ansökan om utbildning',
      'Beviljade utbildningar',
      'Studiedokumentation',
      'Exempeltjänsten',
    ]);
    await visitor.close();
  });

  it('serves /nyheter.xml as a well-formed Atom feed with absolute links', async () => {
    const response = await fetch(`${server.url}/nyheter.xml`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = parseXml(await response.text());
    const ATOM = 'http://www.w3.org/2005/Atom';
    expect([feed.name, feed.ns]).toEqual(['feed', ATOM]);
    const child = (element: XmlElement, name: string) => element.children.filter((node) => node.name === name && node.ns === ATOM);
    const one = (element: XmlElement, name: string) => {
      const found = child(element, name);
      expect(found, name).toHaveLength(1);
      return found[0];
    };
    const isDate = (text: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text);
    expect(one(feed, 'id').text).toMatch(/^https?:\/\/[^/]+\/nyheter$/);
    expect(one(feed, 'title').text).toBe('Nyheter från Anordnarportalen');
    expect(isDate(one(feed, 'updated').text)).toBe(true);
    // Atom requires an author: the feed's stands for every entry.
    expect(one(one(feed, 'author'), 'name').text.length).toBeGreaterThan(0);
    const self = child(feed, 'link').find((link) => link.attributes.rel === 'self');
    expect(self?.attributes.href).toMatch(/^https?:\/\/.+\/nyheter\.xml$/);
    const entries = child(feed, 'entry');
    expect(entries.length).toBeGreaterThanOrEqual(5);
    const ids = new Set<string>();
    for (const entry of entries) {
      const id = one(entry, 'id').text;
      expect(() => new URL(id)).not.toThrow();
      ids.add(id);
      expect(one(entry, 'title').text.length).toBeGreaterThan(0);
      expect(isDate(one(entry, 'updated').text)).toBe(true);
      const link = child(entry, 'link').find((element) => (element.attributes.rel ?? 'alternate') === 'alternate');
      expect(link?.attributes.href).toMatch(/^https?:\/\/[^/]+\/nyheter#/);
      const content = one(entry, 'content');
      expect(content.attributes.type).toBe('html');
      expect(content.text).toContain('<p>');
    }
    expect(ids.size).toBe(entries.length);
    // Newest first, and the feed's updated is its newest entry's.
    const dates = entries.map((entry) => one(entry, 'updated').text);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(one(feed, 'updated').text).toBe(dates[0]);
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
