import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { applicationFields, applyOverHttp } from '../helpers/application.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, captchaSolved } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { printLettersAndSendOneTimePasswords } from '../helpers/users.ts';

const PASSWORD = 'vår nya skola har ett lösenord';

describe('the whole paper trail, as the people involved live it', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  const newPage = async () => {
    const page = await (await browser.newContext()).newPage();
    collectPageErrors(page, errors);
    return page;
  };
  let reference = '';
  let statusUrl = '';
  const MISSING = 'Fullmaktsgivarens underskrift saknas på ansvarsförbindelsen.';
  /** The applicant's status page as they read it now (checked for accessibility on the way). */
  const statusPage = async (url = statusUrl) => {
    const page = await newPage();
    await page.goto(url);
    await expectAccessible(page);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is wanted, with its line breaks as spaces.
    const text = (await page.getByRole('main').innerText()).replace(/\s+/g, ' ');
    await page.context().close();
    return text;
  };
  /** The history table's row for a status, as the handläggare reads it. */
  const historyRow = (page: import('playwright-core').Page, event: string) =>
    page.getByRole('region', { name: 'Historik' }).getByRole('row').filter({ hasText: event }).last().textContent();

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

  it('an organisation applies', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/ansok`);
    const group = (name: string) => page.getByRole('group', { name });
    await group('Organisation').getByLabel('Organisationsnummer').fill('556677-8899');
    await group('Organisation').getByLabel('Organisationens namn').fill('Bokskolan AB');
    await group('Organisation').getByLabel('Utdelningsadress').fill('Bokgatan 2');
    await group('Organisation').getByLabel('Postnummer').fill('222 33');
    await group('Organisation').getByLabel('Ort').fill('Lund');
    await group('Organisation').getByLabel('Telefon').fill('010-222 33 44');
    await group('Organisation').getByLabel('E-post').fill('kansli@bokskolan.example');
    await page.getByLabel('Konst- och kulturutbildning').check();
    await group('Fullmaktsgivare').getByLabel('Förnamn').fill('Bo');
    await group('Fullmaktsgivare').getByLabel('Efternamn').fill('Bok');
    await group('Fullmaktsgivare').getByLabel('Personnummer').fill('19900101-0017');
    await group('Fullmaktsgivare').getByLabel('Befattning').fill('Rektor');
    await group('Fullmaktshavare').getByLabel('Förnamn').fill('Lisa');
    await group('Fullmaktshavare').getByLabel('Efternamn').fill('Läsare');
    await group('Fullmaktshavare').getByLabel('Personnummer').fill('19850202-0012');
    await group('Fullmaktshavare').getByLabel('E-post').fill('lisa@bokskolan.example');
    await group('Fullmaktshavare').getByLabel('Telefon').fill('070-222 33 44');
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    // The proof-of-work check solves itself in the background before the submission counts.
    await captchaSolved(page);
    await page.getByRole('button', { name: 'Skicka in ansökan' }).click();
    await page.waitForURL(/\/ansok\/status\//);
    reference = /AK-\d{4}-\d{5}/.exec((await page.getByRole('main').textContent()) ?? '')![0];
    statusUrl = page.url().replace(/\?.*$/, '');
  });

  it('the status page shows a sent application as the first step of a timeline, with the papers to send next', async () => {
    const text = await statusPage();
    expect(text).toContain('Så går det med ansökan');
    expect(text).toMatch(/Ansökan skickad Klart · \d{1,2} [a-z]+ \d{4}/);
    expect(text).toContain('Vi väntar på det underskrivna underlaget Pågår');
    expect(text).toContain('Dokument att skriva ut');
    expect(text).toContain('Beslut Kommer senare');
  });

  it('a handläggare registers the signed paper and approves', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill('hl1001');
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/handlaggning');
    await page.getByRole('link', { name: 'Ansökningar', exact: true }).click();
    await expectAccessible(page);
    await page.getByLabel('Status').selectOption({ label: 'Inskickad' });
    await page.getByRole('button', { name: 'Visa' }).click();
    await expectAccessible(page);
    await page.getByRole('link', { name: reference }).click();
    await expectAccessible(page);
    // Each action is a section of its own under its own heading.
    for (const heading of ['Registrera mottaget underlag', 'Beslut'])
      expect(await page.getByRole('region', { name: heading }).getByRole('heading', { level: 2 }).textContent()).toBe(heading);
    await page.getByRole('region', { name: 'Registrera mottaget underlag' }).getByRole('button', { name: 'Registrera mottaget underlag' }).click();
    await page.waitForURL(/klart=mottaget/);
    await expectAccessible(page);
    expect(await historyRow(page, 'Underlag mottaget')).toContain('Hanna Lund');

    let text = await statusPage();
    expect(text).toMatch(/Underskrivet underlag mottaget Klart · \d{1,2} [a-z]+ \d{4}/);
    expect(text).toContain('Beslut Pågår');
    expect(text).not.toContain('Dokument att skriva ut');

    // Komplettering: the paper lacks something; the applicant is told by e-mail and on the status page.
    const completion = page.getByRole('region', { name: 'Begär komplettering' });
    await completion.getByRole('button', { name: 'Begär komplettering' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Skriv vad som saknas');
    await expectAccessible(page);
    await page.getByLabel('Vad saknas?').fill(MISSING);
    await page.getByRole('region', { name: 'Begär komplettering' }).getByRole('button', { name: 'Begär komplettering' }).click();
    await page.waitForURL(/klart=komplettering/);
    await expectAccessible(page);
    expect(await page.locator('.tag').first().textContent()).toBe('Komplettering begärd');
    expect(await historyRow(page, 'Komplettering begärd')).toContain('Hanna Lund');
    expect(await historyRow(page, 'Komplettering begärd')).toContain(MISSING);
    // Nothing to approve while the completion is awaited.
    expect(await page.getByRole('button', { name: 'Godkänn' }).count()).toBe(0);
    for (const to of ['lisa@bokskolan.example', 'kansli@bokskolan.example']) {
      const mail = await waitForMail(t.db, to, /^Komplettera er ansökan/);
      expect(mail.text).toContain(reference);
      expect(mail.text).toContain(`Det här saknas: ${MISSING}`);
      expect(mail.text).toMatch(/ska ha kommit fram senast \d{1,2} [a-z]+ \d{4}/);
    }
    text = await statusPage();
    expect(text).toContain('Komplettering begärd Pågår');
    expect(text).toContain(`Det här saknas ${MISSING}`);
    expect(text).toContain('Skicka kompletteringen med post');

    await page.getByRole('region', { name: 'Registrera mottagen komplettering' }).getByRole('button', { name: 'Registrera mottagen komplettering' }).click();
    await page.waitForURL(/klart=mottaget/);
    await expectAccessible(page);
    expect(await page.locator('.tag').first().textContent()).toBe('Underlag mottaget');
    expect(await historyRow(page, 'Underlag mottaget')).toContain('Kompletteringen mottagen');
    text = await statusPage();
    expect(text).toMatch(/Komplettering begärd Klart · \d{1,2} [a-z]+ \d{4}/);
    expect(text).toMatch(/Komplettering mottagen Klart · \d{1,2} [a-z]+ \d{4}/);
    expect(text).toContain('Beslut Pågår');

    // Rejecting goes through a confirmation page that asks for the reason; "Avbryt" changes nothing.
    await page.getByRole('button', { name: 'Avslå' }).click();
    await page.waitForURL(/\/avsla$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Vill du avslå ansökan ${reference}?`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Ja, avslå ansökan' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Motivering');
    expect(page.url()).toContain('/avsla');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Avbryt' }).click();
    await page.waitForURL(/\/handlaggning\/ansokningar\/\d+$/);
    expect(await page.locator('.tag').first().textContent()).toBe('Underlag mottaget');
    await page.getByRole('button', { name: 'Godkänn' }).click();
    await page.waitForURL(/\/godkann$/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Ja, godkänn ansökan' }).click();
    await page.waitForURL(/klart=godkand/);
    await expectAccessible(page);
    expect(await page.getByRole('status').first().textContent()).toContain('Ansökan är godkänd');
    expect(await historyRow(page, 'Godkänd')).toContain('Hanna Lund');
    // The approval confirmed the organisation's details: it is not listed as never confirmed.
    await page.goto(`${server.url}/handlaggning/register`);
    expect(await page.getByRole('main').textContent()).not.toContain('Bokskolan AB');
    await page.goto(`${server.url}/handlaggning/brev`);
    await expectAccessible(page);
    expect(await page.getByRole('link', { name: 'Brev till Lisa Läsare (PDF)' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Öppna alla 1 brev som väntar i en PDF' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Markera de 1 breven som utskrivna' }).click();
    await page.waitForURL(/klart=allautskrivna/);
    await expectAccessible(page);
    expect(await page.getByRole('status').first().textContent()).toContain('1 brev är markerade som utskrivna.');
    // The one-time password waits for the letter to arrive: nothing is mailed at approval or at printing.
    const mailed = await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', 'lisa@bokskolan.example').execute();
    expect(mailed.map((mail) => mail.subject)).not.toContainEqual(expect.stringMatching(/engångslösenord/));
  });

  it('after approval the status page tells what comes next and asks for nothing to be printed or posted', async () => {
    const text = await statusPage();
    expect(text).toMatch(/Ansökan godkänd Klart · \d{1,2} [a-z]+ \d{4}/);
    // The letter was marked printed above; the one-time password waits for the delay.
    expect(text).toMatch(/Användarnamnet skickat med brev Klart · \d{1,2} [a-z]+ \d{4}/);
    expect(text).toContain('Engångslösenordet skickas med e-post Pågår');
    for (const asking of ['Skriv ut', 'skriv ut', 'Skicka allt med post', 'Dokument att skriva ut', 'Skicka kompletteringen'])
      expect(text).not.toContain(asking);
  });

  it('a rejection shows the reason and how to appeal on the status page', async () => {
    const { submit } = await applyOverHttp(
      server.url,
      applicationFields({ orgNumber: '556000-0001', orgName: 'Avslagsskolan AB', holderEmail: 'nej@avslag.example', email: 'kansli@avslag.example' }),
      ['YH'],
    );
    const url = new URL(submit!.headers.get('location')!, server.url).href.replace(/\?.*$/, '');
    const id = (await t.db.selectFrom('application').select('id').where('org_number', '=', '5560000001').executeTakeFirstOrThrow()).id;
    const page = await newPage();
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill('hl1001');
    await page.getByLabel('Lösenord', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL('**/handlaggning');
    await page.goto(`${server.url}/handlaggning/ansokningar/${id}`);
    await page.getByRole('region', { name: 'Beslut' }).getByRole('button', { name: 'Avslå' }).click();
    await page.waitForURL(/\/avsla$/);
    await page.getByLabel('Motivering').fill('Organisationen bedriver ingen utbildning.');
    await page.getByRole('button', { name: 'Ja, avslå ansökan' }).click();
    await page.waitForURL(/klart=avslagen/);
    expect(await historyRow(page, 'Avslagen')).toContain('Hanna Lund');
    const text = await statusPage(url);
    expect(text).toMatch(/Ansökan avslagen Klart · \d{1,2} [a-z]+ \d{4}/);
    expect(text).toContain('Motivering Organisationen bedriver ingen utbildning.');
    expect(text).toContain('Så överklagar ni beslutet');
    expect(text).toContain('inom 3 veckor från den dag ni fick del av beslutet');
    expect(text).toContain('Demomyndigheten, Box 000, 000 00 Exempelstad');
    expect(text).toContain('ange referensnumret AK-');
    expect(text).not.toContain('Användarnamnet skickas');
    const mail = await waitForMail(t.db, 'nej@avslag.example', /^Beslut om er ansökan/);
    expect(mail.text).toContain('inom 3 veckor');
  });

  it('the fullmaktshavare sets a password with the e-mailed one-time password, accepts the terms and sees the approved services', async () => {
    // The chore runs when the delay after printing has passed (the clock moved on).
    await printLettersAndSendOneTimePasswords(t.db, []);
    const mail = await waitForMail(t.db, 'lisa@bokskolan.example', /engångslösenord/);
    const oneTimePassword = /Ditt engångslösenord är: ([A-Z0-9-]+)/.exec(mail.text)![1];
    const username = (await t.db.selectFrom('app_user').select('username').where('email', '=', 'lisa@bokskolan.example').executeTakeFirstOrThrow()).username;
    const page = await newPage();
    await page.goto(`${server.url}/losenordskiosk/byt`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord eller engångslösenord').fill(oneTimePassword);
    await page.getByRole('button', { name: 'Fortsätt' }).click();
    await page.getByLabel('Nytt lösenord').fill(PASSWORD);
    await page.getByLabel('Bekräfta lösenord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Spara lösenordet' }).click();
    await page.waitForURL('**/losenordskiosk/klart');
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.getByLabel('Jag har läst villkoren och godkänner dem').check();
    await page.getByRole('button', { name: 'Godkänn villkoren' }).click();
    await page.waitForURL('**/mina-tjanster');
    await expectAccessible(page);
    expect(await page.getByRole('navigation', { name: 'Dina tjänster' }).getByRole('link').allTextContents()).toEqual([
      'Ansökan om utbildning (öppnas i nytt fönster)',
      'Beviljade utbildningar (öppnas i nytt fönster)',
      // The demo's example e-service, reached with the roles for Ansökan om utbildning.
      'Exempeltjänsten (öppnas i nytt fönster)',
    ]);
    expect(await page.getByRole('link', { name: 'Organisation och användare' }).count()).toBe(1);
  });
});
