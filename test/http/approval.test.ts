import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lapseApplications } from '#server/applications/applications.ts';
import { hashPassword } from '#server/identity/password.ts';
import { ManualClock } from '#server/platform/clock.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { applicationFields, applyOverHttp } from '../helpers/application.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { printLettersAndSendOneTimePasswords } from '../helpers/users.ts';

const PASSWORD = 'handläggarens lösenord här';

describe('deciding applications over HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  let staff = '';
  const dir = tempDir('approval');
  const act = (action: string, id: number, fields: Record<string, string> = {}) =>
    postForm(`${server.url}/handlaggning/ansokningar/${id}?_action=office.${action}`, { application: String(id), ...fields }, staff);
  const apply = async (orgNumber: string) => {
    await applyOverHttp(server.url, applicationFields({ orgNumber, holderEmail: `${orgNumber}@test.example` }), ['YH']);
    return (await t.db.selectFrom('application').select('id').where('org_number', '=', orgNumber.replace('-', '')).executeTakeFirstOrThrow()).id;
  };

  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000' });
    await insertUser(
      t.db,
      {
        username: 'hx0001',
        kind: 'staff',
        organisationId: null,
        firstName: 'Hedda',
        lastName: 'Handläggare',
        email: 'hedda@myndighet.example',
        passwordHash: await hashPassword(PASSWORD),
        passwordChangedAt: new Date(),
        termsVersion: CURRENT_TERMS_VERSION,
      },
      new Date(),
    );
    staff = cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username: 'hx0001', password: PASSWORD }));
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    dir.remove();
  });

  it('refuses to approve before the signed paper is registered', async () => {
    const id = await apply('556677-8899');
    const response = await act('approve', id);
    expect(response.status).toBe(409);
    expect(pageText(await response.text())).toContain('Registrera först att det underskrivna underlaget har kommit in');
    expect(await t.db.selectFrom('organisation').select('id').where('org_number', '=', '5566778899').execute()).toEqual([]);
  });

  it('creates one organisation and one user when two handläggare approve at the same moment', async () => {
    const id = (await t.db.selectFrom('application').select('id').where('org_number', '=', '5566778899').executeTakeFirstOrThrow()).id;
    expect((await act('registerPaper', id, { receivedOn: '2026-11-20' })).status).toBe(303);
    const results = await Promise.all([act('approve', id), act('approve', id), act('approve', id)]);
    expect(results.map((result) => result.status).sort()).toEqual([303, 409, 409]);
    const organisations = await t.db.selectFrom('organisation').select('id').where('org_number', '=', '5566778899').execute();
    expect(organisations).toHaveLength(1);
    const users = await t.db.selectFrom('app_user').select(['org_role', 'username']).where('organisation_id', '=', organisations[0].id).execute();
    expect(users).toEqual([{ org_role: 'fullmaktshavare', username: expect.stringMatching(/^aa\d{4}$/) }]);
    const status = await t.db.selectFrom('application').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(status.status).toBe('godkand');
  });

  it('counts the approved organisation’s details as confirmed, and the history names the handläggare who decided', async () => {
    const id = (await t.db.selectFrom('application').select('id').where('org_number', '=', '5566778899').executeTakeFirstOrThrow()).id;
    const organisation = await t.db.selectFrom('organisation').select('details_confirmed_at').where('org_number', '=', '5566778899').executeTakeFirstOrThrow();
    expect(organisation.details_confirmed_at).toBeInstanceOf(Date);
    const register = pageText(await (await fetch(`${server.url}/handlaggning/register`, { headers: { Cookie: staff } })).text());
    expect(register).not.toContain('Åkerö Utbildning AB');
    const events = await t.db.selectFrom('application_event').select(['status', 'actor_name']).where('application_id', '=', id).orderBy('id').execute();
    expect(events).toEqual([
      { status: 'inskickad', actor_name: null },
      { status: 'underlag_mottaget', actor_name: 'Hedda Handläggare' },
      { status: 'godkand', actor_name: 'Hedda Handläggare' },
    ]);
    const detail = pageText(await (await fetch(`${server.url}/handlaggning/ansokningar/${id}`, { headers: { Cookie: staff } })).text());
    expect(detail).toMatch(/Godkänd Hedda Handläggare/);
    expect(detail).toMatch(/Inskickad Den sökande/);
  });

  it('prints a username letter with the name, the address and the username, and never the one-time password', async () => {
    const letters = pageText(await (await fetch(`${server.url}/handlaggning/brev`, { headers: { Cookie: staff } })).text());
    expect(letters).toContain('Brev till Åsa Ängström (PDF)');
    const letter = await t.db
      .selectFrom('user_letter')
      .innerJoin('app_user', 'app_user.id', 'user_letter.user_id')
      .select(['user_letter.id', 'app_user.username', 'app_user.email'])
      .where('app_user.first_name', '=', 'Åsa')
      .executeTakeFirstOrThrow();
    const pdf = Buffer.from(await (await fetch(`${server.url}/handlaggning/brev/${letter.id}.pdf`, { headers: { Cookie: staff } })).arrayBuffer());
    const file = path.join(dir.path, 'brev.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const expected of ['Åsa Ängström', 'Åkerö Utbildning AB', 'Storgatan 1', '111 22 Örebro', letter.username]) expect(text).toContain(expected);
    const otpMails = () =>
      t.db.selectFrom('mail_outbox').select('id').where('to_address', '=', letter.email).where('subject', 'like', '%engångslösenord%').execute();
    // Approval and the letter's printing mail no one-time password: it follows the letter.
    expect(await otpMails()).toEqual([]);
    const marked = await postForm(`${server.url}/handlaggning/brev?_action=office.markPrinted`, { letter: String(letter.id) }, staff);
    expect(marked.headers.get('location')).toBe('/handlaggning/brev?klart=utskrivet');
    expect(await otpMails()).toEqual([]);
    await printLettersAndSendOneTimePasswords(t.db, []);
    const mail = await t.db
      .selectFrom('mail_outbox')
      .select('text_body')
      .where('to_address', '=', letter.email)
      .where('subject', 'like', '%engångslösenord%')
      .executeTakeFirstOrThrow();
    const oneTimePassword = /Ditt engångslösenord är: ([A-Z0-9-]+)/.exec(mail.text_body)![1];
    expect(text).not.toContain(oneTimePassword);
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Tagged:\s+yes/);
  });

  it('rejects with a reason that is e-mailed to the applicant', async () => {
    const id = await apply('556000-0001');
    const missing = await act('reject', id, { reason: '' });
    expect(missing.status).toBe(400);
    expect(pageText(await missing.text())).toContain('Ange varför ansökan avslås');
    expect((await act('reject', id, { reason: 'Underlaget kom aldrig in.' })).status).toBe(303);
    const mail = await t.db
      .selectFrom('mail_outbox')
      .select(['subject', 'text_body'])
      .where('to_address', '=', '556000-0001@test.example')
      .where('subject', 'like', 'Beslut%')
      .executeTakeFirstOrThrow();
    expect(mail.text_body).toContain('Motivering: Underlaget kom aldrig in.');
    // How to appeal: to whom, within how long, what to include.
    expect(mail.text_body).toContain('Demomyndigheten, Box 000, 000 00 Exempelstad');
    expect(mail.text_body).toContain('inom 3 veckor från den dag ni fick del av beslutet');
    expect(mail.text_body).toMatch(/vilket beslut det gäller \(referensnummer AK-\d{4}-\d{5}\)/);
  });
  it('asks for a completion, mails what is missing, and takes the application back to review when the completion arrives', async () => {
    const id = await apply('556000-0019');
    expect((await act('requestCompletion', id, { missing: 'Registreringsbeviset saknas.' })).status).toBe(409);
    expect((await act('registerPaper', id, { receivedOn: '2026-11-20' })).status).toBe(303);
    const blank = await act('requestCompletion', id, { missing: '  ' });
    expect(blank.status).toBe(400);
    expect(pageText(await blank.text())).toContain('Skriv vad som saknas i underlaget');
    expect((await act('requestCompletion', id, { missing: 'Registreringsbeviset saknas.' })).status).toBe(303);
    const waiting = await t.db
      .selectFrom('application')
      .select(['status', 'completion_requested_at', 'reference'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(waiting.status).toBe('komplettering');
    expect(waiting.completion_requested_at).toBeInstanceOf(Date);
    const mails = await t.db
      .selectFrom('mail_outbox')
      .select(['to_address', 'text_body'])
      .where('subject', '=', `Komplettera er ansökan ${waiting.reference}`)
      .orderBy('to_address')
      .execute();
    expect(mails.map((mail) => mail.to_address)).toEqual(['556000-0019@test.example', 'info@akero.example']);
    for (const mail of mails) expect(mail.text_body).toContain('Det här saknas: Registreringsbeviset saknas.');
    // Waiting for its completion, the application still holds its number and cannot be approved.
    await applyOverHttp(server.url, applicationFields({ orgNumber: '556000-0019' }), ['YH']);
    expect(await t.db.selectFrom('application').select('id').where('org_number', '=', '5560000019').execute()).toHaveLength(1);
    expect((await act('approve', id)).status).toBe(409);
    expect((await act('registerPaper', id, { receivedOn: '2026-11-24' })).status).toBe(303);
    const events = await t.db.selectFrom('application_event').select(['status', 'note', 'actor_name']).where('application_id', '=', id).orderBy('id').execute();
    expect(events.slice(1)).toEqual([
      { status: 'underlag_mottaget', note: 'Underlaget mottaget 2026-11-20', actor_name: 'Hedda Handläggare' },
      { status: 'komplettering', note: 'Registreringsbeviset saknas.', actor_name: 'Hedda Handläggare' },
      { status: 'underlag_mottaget', note: 'Kompletteringen mottagen 2026-11-24', actor_name: 'Hedda Handläggare' },
    ]);
    expect((await act('approve', id)).status).toBe(303);
  });

  it('lapses an application whose completion has not arrived APPLICATION_PAPER_DAYS after it was asked for', async () => {
    const id = await apply('556000-0027');
    expect((await act('registerPaper', id, { receivedOn: '2026-11-20' })).status).toBe(303);
    expect((await act('requestCompletion', id, { missing: 'Id-kopia för fullmaktshavaren.' })).status).toBe(303);
    const asked = (await t.db.selectFrom('application').select('completion_requested_at').where('id', '=', id).executeTakeFirstOrThrow())
      .completion_requested_at!;
    const clock = new ManualClock(new Date(asked.getTime() + 59 * 24 * 60 * 60_000));
    await lapseApplications(t.db, 60, clock);
    expect((await t.db.selectFrom('application').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('komplettering');
    clock.advance(2 * 24 * 60 * 60_000);
    await lapseApplications(t.db, 60, clock);
    expect((await t.db.selectFrom('application').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('forfallen');
  });
});
