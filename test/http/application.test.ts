import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationFields, applyOverHttp } from '../helpers/application.ts';
import { freshDatabase, type TestDatabase, rowCount } from '../helpers/database.ts';
import { pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('Ansökan om användarkonto over HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  const dir = tempDir('application');
  const count = () => rowCount(t.db, 'application');
  const download = async (href: string) => Buffer.from(await (await fetch(`${server.url}${href}`)).arrayBuffer());
  const text = (file: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    dir.remove();
  });

  it('produces the application and an Ansvarsförbindelse per area that needs one, tagged, valid, small and complete', async () => {
    const { submit } = await applyOverHttp(server.url, applicationFields(), ['YH', 'KK', 'ET']);
    expect(submit!.status).toBe(303);
    const status = submit!.headers.get('location')!.replace(/\?.*$/, '');
    const page = await (await fetch(`${server.url}${status}`)).text();
    const links = [...page.matchAll(/href="([^"]+\.pdf)"/g)].map((match) => match[1]);
    expect(links.map((link) => link.split('/').pop())).toEqual(['ansokan.pdf', 'ansvarsforbindelse-kk.pdf', 'ansvarsforbindelse-yh.pdf']);
    const reference = /AK-\d{4}-\d{5}/.exec(pageText(page))![0];

    const response = await fetch(`${server.url}${links[0]}`);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${reference}-ansokan.pdf"`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    for (const link of links) {
      const file = path.join(dir.path, link.split('/').pop()!);
      const bytes = await download(link);
      writeFileSync(file, bytes);
      expect(bytes.length, link).toBeLessThan(100 * 1024);
      const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
      expect(info).toMatch(/Tagged:\s+yes/);
      expect(info).toMatch(new RegExp(`Title:\\s+.*${reference}`));
      const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      const content = text(file).replace(/\s+/g, ' ');
      for (const expected of ['Åkerö Utbildning AB', '556677-8899', 'Göran Öst', reference, 'Demomyndigheten, Box 000, 000 00 Exempelstad'])
        expect(content, `${link}: ${expected}`).toContain(expected);
    }
    const application = text(path.join(dir.path, 'ansokan.pdf')).replace(/\s+/g, ' ');
    for (const expected of [
      'Åsa Ängström',
      'Yrkeshögskoleutbildning',
      'Konst- och kulturutbildning',
      'Utbildning med endast tillsyn',
      'Ort och datum',
      'Namnteckning',
      'Namnförtydligande',
      'Sida 1 av',
    ])
      expect(application).toContain(expected);
    expect(text(path.join(dir.path, 'ansvarsforbindelse-yh.pdf')).replace(/\s+/g, ' ')).toContain('Ansvarsförbindelse – Yrkeshögskoleutbildning');
    // Byte-identical on every download.
    expect((await download(links[0])).equals(await download(links[0]))).toBe(true);
    // The confirmation went to the fullmaktshavare through the outbox.
    const mail = await t.db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', 'asa@akero.example').executeTakeFirstOrThrow();
    expect(mail.subject).toBe(`Vi har tagit emot er ansökan ${reference}`);
    expect(mail.text_body).toContain(`${new URL(server.url).origin}${status}`);
  });

  it('refuses a second application for the same organisation number, and of two at the same moment accepts one', async () => {
    const again = await applyOverHttp(server.url, applicationFields(), ['YH']);
    expect(again.check.status).toBe(409);
    expect(pageText(await again.check.text())).toContain('Det finns redan ett konto eller en pågående ansökan för organisationsnumret');

    const fields = applicationFields({ orgNumber: '556000-0001' });
    const body = new URLSearchParams(fields);
    body.append('areas', 'ET');
    const drafts = await Promise.all(
      [0, 1].map(() =>
        fetch(`${server.url}/ansok?_action=applications.check`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
          body: body.toString(),
        }),
      ),
    );
    const cookies = drafts.map((draft) =>
      draft.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
    );
    const results = await Promise.all(cookies.map((cookie) => postForm(`${server.url}/ansok/kontrollera?_action=applications.submit`, {}, cookie)));
    expect(results.map((result) => result.status).sort()).toEqual([303, 409]);
    const rows = await t.db.selectFrom('application').select('id').where('org_number', '=', '5560000001').execute();
    expect(rows).toHaveLength(1);
  });

  it('answers bad input with 400, the messages in Swedish, the typed values kept, and writes nothing', async () => {
    const before = await count();
    const { check } = await applyOverHttp(
      server.url,
      applicationFields({ orgNumber: '556677-8890', signatoryPersonnummer: '19900101-0018', postalCode: '1234', email: 'inte-en-adress' }),
      [],
    );
    expect(check.status).toBe(400);
    const html = await check.text();
    const page = pageText(html);
    for (const message of [
      'Organisationsnumret stämmer inte: den sista siffran är en kontrollsiffra',
      'Ange fullmaktsgivarens personnummer med tolv siffror, till exempel 19900101-0017',
      'Ange postnumret med fem siffror',
      'Ange en e-postadress i rätt format',
      'Välj minst ett område',
    ])
      expect(page).toContain(message);
    expect(html).toContain('value="Åkerö Utbildning AB"');
    expect(html).toContain('href="#orgNumber"');
    expect(await count()).toBe(before);
  });

  it('answers a blank form with every error at once, each naming its person, under a title that starts with Fel:', async () => {
    const { check } = await applyOverHttp(server.url, {}, []);
    expect(check.status).toBe(400);
    const html = await check.text();
    expect(/<title>([^<]*)<\/title>/.exec(html)![1]).toMatch(/^Fel: Ansök om användarkonto/);
    const summary = pageText(/role="alert"[\s\S]*?<\/div>/.exec(html)![0]);
    for (const message of [
      'Ange organisationsnumret',
      'Ange organisationens namn',
      'Välj minst ett område',
      'Ange fullmaktsgivarens förnamn',
      'Ange fullmaktsgivarens efternamn',
      'Ange fullmaktsgivarens personnummer',
      'Ange fullmaktsgivarens befattning',
      'Ange fullmaktshavarens förnamn',
      'Ange fullmaktshavarens efternamn',
      'Ange fullmaktshavarens personnummer',
      'Ange fullmaktshavarens e-postadress',
      'Ange fullmaktshavarens telefonnummer',
    ])
      expect(summary).toContain(message);
    for (const field of ['orgNumber', 'signatoryFirstName', 'holderFirstName', 'holderPersonnummer']) expect(html).toContain(`href="#${field}"`);
    // A page without errors has none of it.
    expect(/<title>([^<]*)<\/title>/.exec(await (await fetch(`${server.url}/ansok`)).text())![1]).not.toMatch(/^Fel:/);
  });

  it('without JavaScript, ignores the holder fields when "samma person" is ticked, and says so', async () => {
    expect(pageText(await (await fetch(`${server.url}/ansok`)).text())).toContain('Vi använder fullmaktsgivarens uppgifter, även om något står i de fälten');
    const orgNumber = '556000-0019';
    const { check, submit } = await applyOverHttp(
      server.url,
      applicationFields({ orgNumber, holderIsSignatory: 'ja', holderFirstName: 'Någon', holderLastName: 'Annan', holderPersonnummer: 'fel' }),
      ['ET'],
    );
    expect(check.status).toBe(303);
    expect(submit!.status).toBe(303);
    const row = await t.db.selectFrom('application').select(['holder', 'signatory']).where('org_number', '=', '5560000019').executeTakeFirstOrThrow();
    expect(row.holder).toMatchObject({ firstName: 'Göran', lastName: 'Öst', personnummer: '199001010017', email: 'asa@akero.example' });
  });

  it('refuses a taken number at the first "Fortsätt" together with the other errors, and tells what to do', async () => {
    const { check } = await applyOverHttp(server.url, applicationFields({ orgNumber: '556677-8899', signatoryFirstName: '', holderEmail: '' }), ['YH']);
    expect(check.status).toBe(400);
    const summary = pageText(/role="alert"[\s\S]*?<\/div>/.exec(await check.text())![0]);
    for (const message of [
      'Det finns redan ett konto',
      'fullmaktshavare kan logga in',
      '000-000 00 00',
      'Ange fullmaktsgivarens förnamn',
      'Ange fullmaktshavarens e-postadress',
    ])
      expect(summary).toContain(message);
  });

  it('refuses an oversized body with 413', async () => {
    const response = await postForm(`${server.url}/ansok?_action=applications.check`, { orgName: 'x'.repeat(300 * 1024) });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('För mycket data');
  });

  it('never answers random, huge, Unicode, missing or repeated fields with a 5xx, and writes no row for a rejected post', async () => {
    const names = Object.keys(applicationFields()).concat(['areas', 'holderIsSignatory', 'extra']);
    const value = fc.oneof(
      fc.string({ maxLength: 50 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.constantFrom('', ' ', 'YH', 'ja', '556677-8899', '19900101-0017', '\u0000', '<script>', '\uD800'),
      fc.string({ minLength: 1000, maxLength: 5000 }),
    );
    const form = fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(form, async (pairs) => {
        const before = await count();
        const body = new URLSearchParams(pairs).toString();
        const check = await fetch(`${server.url}/ansok?_action=applications.check`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
          body,
        });
        expect(check.status).toBeLessThan(500);
        const submit = await postForm(
          `${server.url}/ansok/kontrollera?_action=applications.submit`,
          {},
          check.headers
            .getSetCookie()
            .map((c) => c.split(';')[0])
            .join('; '),
        );
        expect(submit.status).toBeLessThan(500);
        if (submit.status !== 303) expect(await count()).toBe(before);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('hides the status page and the documents behind an unguessable link', async () => {
    expect((await fetch(`${server.url}/ansok/status/gissning-gissning-gissning`)).status).toBe(404);
    expect((await fetch(`${server.url}/ansok/status/gissning-gissning-gissning/ansokan.pdf`)).status).toBe(404);
  });
});
