import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
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
    reference = /AK-\d{4}-\d{5}/.exec((await page.getByRole('heading', { level: 1 }).textContent()) ?? '')![0];
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
    await page.getByRole('button', { name: 'Registrera mottaget underlag' }).click();
    await page.waitForURL(/klart=mottaget/);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Godkänn' }).click();
    await page.waitForURL(/klart=godkand/);
    await expectAccessible(page);
    expect(await page.getByRole('status').first().textContent()).toContain('Ansökan är godkänd');
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
      'Ansökan om utbildning',
      'Beviljade utbildningar',
    ]);
    expect(await page.getByRole('link', { name: 'Organisation och användare' }).count()).toBe(1);
  });
});
