import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applicationFields, applyOverHttp } from '../helpers/application.ts';
import { freshDatabase, type TestDatabase, rowCount } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A valid organisation number (Luhn) from a running counter: 5560XXXXX + check digit. */
function orgNumber(n: number): string {
  const body = `5560${String(n).padStart(5, '0')}`;
  const sum = [...body].reduce((acc, digit, i) => {
    const doubled = Number(digit) * (i % 2 === 0 ? 2 : 1);
    return acc + (doubled > 9 ? doubled - 9 : doubled);
  }, 0);
  return `${body.slice(0, 6)}-${body.slice(6)}${(10 - (sum % 10)) % 10}`;
}

const draftBody = (fields: Record<string, string>) => {
  const body = new URLSearchParams(fields);
  body.append('areas', 'YH');
  return body.toString();
};

describe('the application form under a flood from one client', () => {
  let t: TestDatabase;
  let server: TestServer;
  const count = (table: 'application' | 'application_draft') => rowCount(t.db, table);

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('refuses the 20 submissions of a minute beyond the limit with 429, Retry-After and a Swedish message', async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 1; i <= 20; i++) {
      const { submit } = await applyOverHttp(server.url, applicationFields({ orgNumber: orgNumber(i), holderEmail: `offer${i}@victim.example` }), ['YH']);
      statuses.push(submit!.status);
      if (submit!.status === 429) refused ??= submit;
    }
    expect(statuses.filter((status) => status === 303)).toHaveLength(10);
    expect(statuses.slice(10).every((status) => status === 429)).toBe(true);
    expect(refused!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(pageText(await refused!.text())).toContain('Det har kommit för många ansökningar från din dator');
    expect(await count('application')).toBe(10);
  }, 60_000);

  it('refuses the 200 drafts of a minute beyond the limit with 429, Retry-After and a Swedish message', async () => {
    const before = await count('application_draft');
    const responses: Response[] = [];
    for (let batch = 0; batch < 10; batch++) {
      responses.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, () =>
            fetch(`${server.url}/ansok?_action=applications.check`, {
              method: 'POST',
              redirect: 'manual',
              headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
              body: draftBody(applicationFields({ orgNumber: orgNumber(500) })),
            }),
          ),
        )),
      );
    }
    const refused = responses.filter((response) => response.status === 429);
    // The submissions above made 20 drafts of this hour's 100.
    expect(responses.filter((response) => response.status === 303)).toHaveLength(80);
    expect(refused).toHaveLength(120);
    expect(refused[0].headers.get('retry-after')).toMatch(/^\d+$/);
    expect(pageText(await refused[0].text())).toContain('Det har kommit för många ansökningar från din dator');
    expect((await count('application_draft')) - before).toBe(80);
  }, 60_000);
});

describe('what an application lets a stranger do', () => {
  let t: TestDatabase;
  let server: TestServer;
  const dir = tempDir('application-abuse');
  const clockFile = path.join(dir.path, 'clock-offset');
  const moveClock = (days: number) => writeFileSync(clockFile, String(days * 24 * 60 * 60_000));
  // Reset even when a test fails half-way, so the next one starts at the real time.
  afterEach(() => moveClock(0));

  beforeAll(async () => {
    moveClock(0);
    t = await freshDatabase();
    server = await startServer({
      DATABASE_URL: t.url,
      CLOCK_OFFSET_FILE: clockFile,
      APPLICATION_SUBMIT_CLIENT_LIMIT: '1000',
      APPLICATION_DRAFT_CLIENT_LIMIT: '1000',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    dir.remove();
  });

  it('sends a confirmation mail with fixed text, the reference and the organisation number, and none of the free text', async () => {
    const link = 'https://evil.example/logga-in';
    const fields = applicationFields({ orgNumber: orgNumber(900), holderEmail: 'victim@victim.example' });
    for (const name of ['orgName', 'postalAddress', 'city', 'signatoryFirstName', 'signatoryLastName', 'signatoryTitle', 'holderFirstName', 'holderLastName'])
      fields[name] = `Klicka ${link} nu`;
    const { submit } = await applyOverHttp(server.url, fields, ['YH']);
    expect(submit!.status).toBe(303);
    const mail = await t.db
      .selectFrom('mail_outbox')
      .select(['subject', 'text_body', 'html_body'])
      .where('to_address', '=', 'victim@victim.example')
      .executeTakeFirstOrThrow();
    const reference = (
      await t.db.selectFrom('application').select('reference').where('org_number', '=', orgNumber(900).replace('-', '')).executeTakeFirstOrThrow()
    ).reference;
    for (const body of [mail.subject, mail.text_body, mail.html_body]) {
      expect(body).not.toContain('evil.example');
      expect(body).not.toContain('Klicka');
    }
    expect(mail.text_body).toContain(reference);
    expect(mail.text_body).toContain(orgNumber(900));
  });

  it('tells the real organisation what to do when a stranger holds its number, and frees the number when no paper arrives in time', async () => {
    const number = orgNumber(901);
    const first = await applyOverHttp(server.url, applicationFields({ orgNumber: number }), ['YH']);
    expect(first.submit!.status).toBe(303);
    const statusUrl = `${server.url}${first.submit!.headers.get('location')!.replace(/\?.*$/, '')}`;

    // Refused at the form's first "Fortsätt", before the answers are checked, at the number's own field.
    const taken = await applyOverHttp(server.url, applicationFields({ orgNumber: number }), ['YH']);
    expect(taken.check.status).toBe(409);
    expect(taken.submit).toBeUndefined();
    const html = await taken.check.text();
    expect(html).toContain('id="orgNumber-error"');
    // The footer carries the contact details on every page: the error summary must say them itself.
    const refusal = pageText(/role="alert"[\s\S]*?<\/div>/.exec(html)![0]);
    for (const expected of ['000-000 00 00', 'kontakt@demomyndigheten.example', '60 dagar']) expect(refusal).toContain(expected);

    moveClock(59);
    await runChores();
    expect(pageText(await (await fetch(statusUrl)).text())).toContain('Inskickad');
    expect((await applyOverHttp(server.url, applicationFields({ orgNumber: number }), ['YH'])).check.status).toBe(409);

    moveClock(61);
    await runChores();
    const status = pageText(await (await fetch(statusUrl)).text());
    expect(status).toContain('Förfallen');
    expect(status).toContain('60 dagar');
    const again = await applyOverHttp(server.url, applicationFields({ orgNumber: number }), ['YH']);
    expect(again.submit!.status).toBe(303);
  });

  it('puts the kiosk robot check on submission: a forged, replayed or honeypot post writes nothing, a solved one goes through', async () => {
    const draft = async (n: number) =>
      cookiesOf(
        await fetch(`${server.url}/ansok?_action=applications.check`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
          body: draftBody(applicationFields({ orgNumber: orgNumber(n) })),
        }),
      );
    const submit = (cookie: string, fields: Record<string, string>) => postForm(`${server.url}/ansok/kontrollera?_action=applications.submit`, fields, cookie);
    const page = await (await fetch(`${server.url}/ansok/kontrollera`, { headers: { Cookie: await draft(910) } })).text();
    expect(page).toContain('<altcha-widget');
    expect(page).toContain('name="webbplats"');

    const payload = await solvedPayload();
    const cookie = await draft(911);
    const attempts: Record<string, string>[] = [
      { altcha: 'inte base64 alls' },
      { altcha: Buffer.from('{}').toString('base64') },
      { altcha: payload, webbplats: 'https://spam.example' },
    ];
    for (const fields of attempts) {
      const refused = await submit(cookie, fields);
      expect(refused.status).toBe(400);
      expect(pageText(await refused.text())).toContain('Den automatiska kontrollen mot robotar gick inte igenom');
    }
    expect(await t.db.selectFrom('application').select('id').where('org_number', '=', orgNumber(911).replace('-', '')).execute()).toEqual([]);
    const fresh = await solvedPayload();
    expect((await submit(cookie, { altcha: fresh })).status).toBe(303);
    expect((await submit(await draft(912), { altcha: fresh })).status).toBe(400);
  });

  it('tells in the handbook how long the signed paper may take', async () => {
    const page = pageText(await (await fetch(`${server.url}/handbok/sa-far-ni-tillgang/`)).text());
    expect(page).toContain('inom 60 dagar');
  });

  /** Solves a challenge from the server as the widget does in the browser. */
  async function solvedPayload(): Promise<string> {
    const challenge = (await (await fetch(`${server.url}/api/captcha`)).json()) as Challenge;
    const solution = await solveChallenge({ challenge, deriveKey });
    return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
  }

  /** The chore every instance runs, as it would run at the moved time. */
  async function runChores() {
    const { lapseApplications } = await import('#server/applications/applications.ts');
    const offset = Number((await import('node:fs')).readFileSync(clockFile, 'utf8'));
    await lapseApplications(t.db, 60, { now: () => new Date(Date.now() + offset) });
  }
});
