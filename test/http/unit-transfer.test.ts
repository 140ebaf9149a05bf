import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitForMail } from '../helpers/mailbox.ts';
import { publishWithCli } from '../helpers/register.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const PASSWORD = 'lösenord för flytten av enheten';

describe('moving a unit to another organisation (change of huvudman)', () => {
  let t: TestDatabase;
  let server: TestServer;
  const ids: Record<string, number> = {};
  const cookies: Record<string, string> = {};
  const clockDir = tempDir('transfer-clock');
  const clockFile = path.join(clockDir.path, 'offset');
  // Reset even when a test fails half-way, so the next one starts at the real time.
  afterEach(() => writeFileSync(clockFile, '0'));

  beforeAll(async () => {
    writeFileSync(clockFile, '0');
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, CLOCK_OFFSET_FILE: clockFile, LOGIN_CLIENT_LIMIT: '1000', REGISTER_REFRESH_SECONDS: '0' });
    const now = new Date();
    const hash = await hashPassword(PASSWORD);
    for (const [key, name, number] of [
      ['giver', 'Givarskolan AB', '5561111111'],
      ['receiver', 'Mottagarskolan AB', '5562222222'],
    ]) {
      ids[key] = (await t.db.insertInto('organisation').values({ org_number: number, name, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
      await t.db.insertInto('organisation_area').values({ organisation_id: ids[key], area_key: 'YH', approved_at: now }).execute();
      await t.db.insertInto('unit').values({ organisation_id: ids[key], name, is_main: true, created_at: now }).execute();
      const admin = await insertUser(
        t.db,
        {
          username: `${key.slice(0, 2)}0001`,
          kind: 'member',
          organisationId: ids[key],
          firstName: key,
          lastName: 'Admin',
          email: `${key}@test.example`,
          passwordHash: hash,
          passwordChangedAt: now,
          termsVersion: CURRENT_TERMS_VERSION,
        },
        now,
      );
      await t.db.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', admin.id).execute();
      ids[`${key}Admin`] = admin.id;
    }
    ids.unit = (
      await t.db
        .insertInto('unit')
        .values({ organisation_id: ids.giver, name: 'Flyttbara skolan', is_main: false, city: 'Flyttstad', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const teacher = await insertUser(
      t.db,
      {
        username: 'te0001',
        kind: 'member',
        organisationId: ids.giver,
        firstName: 'Tea',
        lastName: 'Lärare',
        email: 'tea@test.example',
        passwordHash: hash,
        passwordChangedAt: now,
        termsVersion: CURRENT_TERMS_VERSION,
      },
      now,
    );
    ids.teacher = teacher.id;
    await t.db.insertInto('user_unit_role').values({ user_id: teacher.id, unit_id: ids.unit, role_key: 'YH_ANSOKAN', granted_at: now }).execute();
    for (const username of ['gi0001', 're0001', 'te0001'])
      cookies[username] = cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
    // The server's own first run may already have published today's register without these organisations.
    await t.db.deleteFrom('register_publication').execute();
    publishWithCli(t.url, clockFile);
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    clockDir.remove();
  });

  const owner = async () => {
    const body = await (await fetch(`${server.url}/api/v1/enheter?q=flyttbara`)).json();
    return body.enheter.map((unit: { organisation: { namn: string } }) => unit.organisation.namn);
  };

  it('moves on acceptance: the giver loses access at once, the receiver gains it, both logs say so, the register follows the next day', async () => {
    const refused = await postForm(
      `${server.url}/mina-tjanster/organisation/enhet/${ids.unit}/flytta?_action=organisation.proposeTransfer`,
      { unit: String(ids.unit), orgNumber: '556999-9999' },
      cookies.gi0001,
    );
    expect(refused.status).toBe(400);
    expect(pageText(await refused.text())).toContain('Det finns ingen organisation med det organisationsnumret');

    const proposed = await postForm(
      `${server.url}/mina-tjanster/organisation/enhet/${ids.unit}/flytta?_action=organisation.proposeTransfer`,
      { unit: String(ids.unit), orgNumber: '556222-2222' },
      cookies.gi0001,
    );
    expect(proposed.status).toBe(303);
    // The receiver's administrators are told by e-mail.
    const mail = await waitForMail(t.db, 'receiver@test.example', /Givarskolan AB vill flytta enheten Flyttbara skolan till er/);
    expect(mail.text).toContain('ta emot enheten eller tacka nej');
    // Nothing moves before the receiver accepts.
    expect((await t.db.selectFrom('user_unit_role').select('role_key').where('unit_id', '=', ids.unit).execute()).length).toBe(1);
    const offers = pageText(await (await fetch(`${server.url}/mina-tjanster/organisation`, { headers: { Cookie: cookies.re0001 } })).text());
    expect(offers).toContain('Flyttbara skolan från Givarskolan AB');

    const transfer = await t.db.selectFrom('unit_transfer').select('id').where('unit_id', '=', ids.unit).executeTakeFirstOrThrow();
    // The giver cannot accept on the receiver's behalf.
    expect(
      (await postForm(`${server.url}/mina-tjanster/organisation?_action=organisation.acceptTransfer`, { transfer: String(transfer.id) }, cookies.gi0001))
        .status,
    ).toBe(404);
    const accepted = await postForm(
      `${server.url}/mina-tjanster/organisation?_action=organisation.acceptTransfer`,
      { transfer: String(transfer.id) },
      cookies.re0001,
    );
    expect(accepted.status).toBe(303);

    // The giver's people lost their roles in it at once.
    expect(await t.db.selectFrom('user_unit_role').selectAll().where('unit_id', '=', ids.unit).execute()).toEqual([]);
    const services = pageText(await (await fetch(`${server.url}/mina-tjanster`, { headers: { Cookie: cookies.te0001 } })).text());
    expect(services).toContain('Du ser inga tjänster');
    // The receiver may now give roles in it; the giver may not.
    const grant = (cookie: string, userId: number) =>
      postForm(
        `${server.url}/mina-tjanster/organisation/anvandare/${userId}?_action=organisation.setRoles`,
        { user: String(userId), roles: `${ids.unit}:YH_ANSOKAN` },
        cookie,
      );
    expect((await grant(cookies.gi0001, ids.teacher)).status).toBe(403);
    const colleague = await insertUser(
      t.db,
      { username: 'mo0002', kind: 'member', organisationId: ids.receiver, firstName: 'Mo', lastName: 'Kollega', email: 'mo@test.example' },
      new Date(),
    );
    expect((await grant(cookies.re0001, colleague.id)).status).toBe(303);

    const events = await t.db.selectFrom('audit_event').select(['event', 'organisation_id']).where('event', '=', 'unit.transferred').execute();
    expect(events.map((event) => event.organisation_id).sort()).toEqual([ids.giver, ids.receiver].sort());
    const teacherLog = await t.db
      .selectFrom('audit_event')
      .select('detail')
      .where('subject_user_id', '=', ids.teacher)
      .where('event', '=', 'roles.changed')
      .executeTakeFirstOrThrow();
    expect(teacherLog.detail).toMatchObject({ före: 'Hantera ansökan YH i Flyttbara skolan', orsak: 'enheten flyttades' });

    // The register still shows the old owner until the next publication.
    await expect.poll(owner).toEqual(['Givarskolan AB']);
    writeFileSync(clockFile, String(25 * 3600_000));
    publishWithCli(t.url, clockFile);
    await expect.poll(owner, { timeout: 10_000, interval: 500 }).toEqual(['Mottagarskolan AB']);
  });

  it('lets the receiver decline an offer: nothing moves, both logs say so', async () => {
    const unit = (
      await t.db
        .insertInto('unit')
        .values({ organisation_id: ids.giver, name: 'Oönskade skolan', is_main: false, created_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await t.db.insertInto('user_unit_role').values({ user_id: ids.teacher, unit_id: unit, role_key: 'YH_ANSOKAN', granted_at: new Date() }).execute();
    const proposed = await postForm(
      `${server.url}/mina-tjanster/organisation/enhet/${unit}/flytta?_action=organisation.proposeTransfer`,
      { unit: String(unit), orgNumber: '5562222222' },
      cookies.gi0001,
    );
    expect(proposed.status).toBe(303);
    const transfer = await t.db.selectFrom('unit_transfer').select('id').where('unit_id', '=', unit).executeTakeFirstOrThrow();
    const decline = (cookie: string) =>
      postForm(`${server.url}/mina-tjanster/organisation?_action=organisation.declineTransfer`, { transfer: String(transfer.id) }, cookie);
    // Only the receiver can decline.
    expect((await decline(cookies.gi0001)).status).toBe(404);
    const declined = await decline(cookies.re0001);
    expect(declined.status).toBe(303);
    expect(declined.headers.get('location')).toBe('/mina-tjanster/organisation?klart=avbojd');
    expect((await decline(cookies.re0001)).status).toBe(404);
    expect(await t.db.selectFrom('unit_transfer').select('status').where('id', '=', transfer.id).executeTakeFirstOrThrow()).toEqual({ status: 'declined' });
    expect(await t.db.selectFrom('unit').select('organisation_id').where('id', '=', unit).executeTakeFirstOrThrow()).toEqual({ organisation_id: ids.giver });
    expect((await t.db.selectFrom('user_unit_role').select('role_key').where('unit_id', '=', unit).execute()).length).toBe(1);
    const events = await t.db.selectFrom('audit_event').select('organisation_id').where('event', '=', 'unit.transferDeclined').execute();
    expect(events.map((event) => event.organisation_id).sort()).toEqual([ids.giver, ids.receiver].sort());
    const log = pageText(await (await fetch(`${server.url}/mina-tjanster/organisation/logg`, { headers: { Cookie: cookies.gi0001 } })).text());
    expect(log).toContain('Mottagarskolan AB tackade nej till att ta emot enheten Oönskade skolan från Givarskolan AB.');
  });

  it('merges and splits units with the history kept, the chosen roles going with the new unit', async () => {
    const colleague = (await t.db.selectFrom('app_user').select('id').where('username', '=', 'mo0002').executeTakeFirstOrThrow()).id;
    const split = await postForm(
      `${server.url}/mina-tjanster/organisation/enhet/${ids.unit}/dela?_action=organisation.splitUnit`,
      { unit: String(ids.unit), newName: 'Flyttbara skolan Syd', move: `${colleague}:YH_ANSOKAN` },
      cookies.re0001,
    );
    expect(split.status).toBe(303);
    expect(split.headers.get('location')).toMatch(/\/enhet\/\d+\?klart=delad$/);
    const south = await t.db.selectFrom('unit').selectAll().where('name', '=', 'Flyttbara skolan Syd').executeTakeFirstOrThrow();
    expect(south.split_from_unit_id).toBe(ids.unit);
    const roles = await t.db.selectFrom('user_unit_role').select(['unit_id', 'role_key']).where('user_id', '=', colleague).execute();
    expect(roles).toEqual([{ unit_id: south.id, role_key: 'YH_ANSOKAN' }]);
    const merged = await postForm(
      `${server.url}/mina-tjanster/organisation/enhet/${south.id}/sla-ihop?_action=organisation.mergeUnit`,
      { unit: String(south.id), into: String(ids.unit) },
      cookies.re0001,
    );
    expect(merged.status).toBe(303);
    const after = await t.db.selectFrom('unit').select(['status', 'merged_into_unit_id']).where('id', '=', south.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ status: 'inactive', merged_into_unit_id: ids.unit });
  });
});
