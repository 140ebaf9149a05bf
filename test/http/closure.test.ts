import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { publishWithCli, startRegisterServer } from '../helpers/register.ts';
import type { TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const PASSWORD = 'lösenord för stängningstestet';
const HOUR = 3600_000;

/**
 * Issue 19, acceptance 5: closing an organisation ends its users' sessions at once and
 * removes it from the next register publication; reopening restores the users that
 * closing inactivated and no others (and the units), within REOPEN_DAYS.
 */
describe('closing and reopening an organisation', () => {
  let t: TestDatabase;
  let server: TestServer;
  const clockDir = tempDir('closure-clock');
  const clockFile = path.join(clockDir.path, 'offset');
  const ids: Record<string, number> = {};
  let organisation: number;
  let staffCookie: string;
  let memberCookie: string;
  const base = () => `${server.url}/handlaggning/organisationer/${organisation}`;
  const login = async (username: string) => cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
  const statusOf = async (id: number) => (await t.db.selectFrom('app_user').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const latestPublication = () => t.db.selectFrom('register_publication').select('id').orderBy('published_on', 'desc').executeTakeFirstOrThrow();
  const published = async () => {
    const publication = await latestPublication();
    const orgs = await t.db
      .selectFrom('register_organisation')
      .select('org_number')
      .where('publication_id', '=', publication.id)
      .where('org_number', '=', '5560001920')
      .execute();
    const units = await t.db
      .selectFrom('register_unit')
      .select('unit_id')
      .where('publication_id', '=', publication.id)
      .where('org_number', '=', '5560001920')
      .execute();
    return { organisations: orgs.length, units: units.length };
  };

  beforeAll(async () => {
    writeFileSync(clockFile, '0');
    t = await freshDatabase();
    const now = new Date();
    const hash = await hashPassword(PASSWORD);
    organisation = (
      await t.db
        .insertInto('organisation')
        .values({ org_number: '5560001920', name: 'Stängda skolan AB', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const unit = async (name: string, isMain: boolean, status: 'active' | 'inactive' = 'active') =>
      (
        await t.db
          .insertInto('unit')
          .values({ organisation_id: organisation, name, is_main: isMain, status, created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    ids.main = await unit('Stängda skolan AB', true);
    ids.unit = await unit('Filialen', false);
    ids.oldUnit = await unit('Nedlagda filialen', false, 'inactive');
    const person = async (username: string, organisationId: number | null, status: 'active' | 'inactive' = 'active') => {
      const user = await insertUser(
        t.db,
        {
          username,
          kind: organisationId ? 'member' : 'staff',
          organisationId,
          firstName: username,
          lastName: 'Test',
          email: `${username}@test.example`,
          passwordHash: hash,
          passwordChangedAt: now,
          termsVersion: CURRENT_TERMS_VERSION,
        },
        now,
      );
      if (status === 'inactive') await t.db.updateTable('app_user').set({ status }).where('id', '=', user.id).execute();
      return user.id;
    };
    ids.staff = await person('hl0002', null);
    ids.holder = await person('fh0002', organisation);
    ids.member = await person('an0003', organisation);
    ids.before = await person('an0004', organisation, 'inactive');
    await t.db.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', ids.holder).execute();
    await t.db.insertInto('user_unit_role').values({ user_id: ids.member, unit_id: ids.unit, role_key: 'YH_ANSOKAN', granted_at: now }).execute();
    ids.request = (
      await t.db
        .insertInto('role_request')
        .values({ reference: 'NR-1920', organisation_id: organisation, requested_by: ids.holder, status: 'inskickad', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await t.db.insertInto('role_request_area').values({ role_request_id: ids.request, organisation_id: organisation, area_key: 'KK', open: true }).execute();
    server = await startRegisterServer(t.url, clockFile);
    staffCookie = await login('hl0002');
    memberCookie = await login('an0003');
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    clockDir.remove();
  });

  it('is published before it is closed', async () => {
    expect(await published()).toEqual({ organisations: 1, units: 2 });
    expect((await fetch(`${server.url}/mina-tjanster`, { headers: { Cookie: memberCookie }, redirect: 'manual' })).status).toBe(200);
  });

  it('asks for confirmation with a reason, and changes nothing without one', async () => {
    const page = await fetch(`${base()}/stang`, { headers: { Cookie: staffCookie } });
    expect(page.status).toBe(200);
    const text = pageText(await page.text());
    expect(text).toContain('Vill du stänga Stängda skolan AB?');
    expect(text).toContain('Ja, stäng organisationen');
    const empty = await postForm(`${base()}/stang?_action=office.closeOrganisation`, { organisation: String(organisation), reason: ' ' }, staffCookie);
    expect(empty.status).toBe(400);
    expect(await statusOf(ids.member)).toBe('active');
  });

  it('refuses a member of the organisation', async () => {
    const response = await postForm(`${base()}/stang?_action=office.closeOrganisation`, { organisation: String(organisation), reason: 'Nej' }, memberCookie);
    expect(response.status).toBe(403);
  });

  it('ends every session at once, inactivates users and units, withdraws pending requests, and leaves the next publication', async () => {
    const response = await postForm(
      `${base()}/stang?_action=office.closeOrganisation`,
      { organisation: String(organisation), reason: 'Verksamheten har upphört.' },
      staffCookie,
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/handlaggning/organisationer/${organisation}/stang?klart=stangd`);
    // The signed-in member's next request is signed out.
    const next = await fetch(`${server.url}/mina-tjanster`, { headers: { Cookie: memberCookie }, redirect: 'manual' });
    expect(next.status).toBe(303);
    expect(next.headers.get('location')).toMatch(/^\/logga-in/);
    expect(await statusOf(ids.holder)).toBe('inactive');
    expect(await statusOf(ids.member)).toBe('inactive');
    expect(await t.db.selectFrom('user_session').select('id').where('user_id', 'in', [ids.holder, ids.member]).execute()).toEqual([]);
    const units = await t.db.selectFrom('unit').select(['id', 'status']).where('organisation_id', '=', organisation).orderBy('id').execute();
    expect(units.every((unit) => unit.status === 'inactive')).toBe(true);
    const request = await t.db.selectFrom('role_request').select(['status', 'decision_note']).where('id', '=', ids.request).executeTakeFirstOrThrow();
    expect(request.status).toBe('avslagen');
    const org = await t.db.selectFrom('organisation').select(['closed_at', 'closed_reason']).where('id', '=', organisation).executeTakeFirstOrThrow();
    expect(org.closed_reason).toBe('Verksamheten har upphört.');
    const audit = await t.db.selectFrom('audit_event').select('actor_user_id').where('event', '=', 'organisation.closed').executeTakeFirstOrThrow();
    expect(audit.actor_user_id).toBe(ids.staff);
    // Kept, not deleted; the page shows what closing did.
    const shown = pageText(await (await fetch(`${base()}/stang?klart=stangd`, { headers: { Cookie: staffCookie } })).text());
    expect(shown).toContain('Organisationen är stängd');
    expect(shown).toContain('Verksamheten har upphört.');
    // A second closing is refused.
    const again = await postForm(`${base()}/stang?_action=office.closeOrganisation`, { organisation: String(organisation), reason: 'Igen' }, staffCookie);
    expect(again.status).toBe(409);

    writeFileSync(clockFile, String(25 * HOUR));
    publishWithCli(t.url, clockFile);
    expect(await published()).toEqual({ organisations: 0, units: 0 });
    // A day later the handläggare's own session has run out too.
    staffCookie = await login('hl0002');
  });

  it('reopens, restoring the users and units closing inactivated and no others', async () => {
    const page = await fetch(`${base()}/oppna`, { headers: { Cookie: staffCookie } });
    expect(page.status).toBe(200);
    expect(pageText(await page.text())).toContain('Ja, öppna organisationen igen');
    const response = await postForm(`${base()}/oppna?_action=office.reopenOrganisation`, { organisation: String(organisation) }, staffCookie);
    expect(response.status).toBe(303);
    expect(await statusOf(ids.holder)).toBe('active');
    expect(await statusOf(ids.member)).toBe('active');
    expect(await statusOf(ids.before)).toBe('inactive');
    const units = Object.fromEntries(
      (await t.db.selectFrom('unit').select(['id', 'status']).where('organisation_id', '=', organisation).execute()).map((unit) => [unit.id, unit.status]),
    );
    expect(units).toEqual({ [ids.main]: 'active', [ids.unit]: 'active', [ids.oldUnit]: 'inactive' });
    const roles = await t.db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', ids.member).execute();
    expect(roles).toHaveLength(1);
    expect((await t.db.selectFrom('organisation').select('closed_at').where('id', '=', organisation).executeTakeFirstOrThrow()).closed_at).toBeNull();
    expect(await login('an0003')).toMatch(/=/);

    writeFileSync(clockFile, String(49 * HOUR));
    publishWithCli(t.url, clockFile);
    expect(await published()).toEqual({ organisations: 1, units: 2 });
    staffCookie = await login('hl0002');
  });

  it('cannot be reopened more than REOPEN_DAYS after closing', async () => {
    const close = await postForm(
      `${base()}/stang?_action=office.closeOrganisation`,
      { organisation: String(organisation), reason: 'Upphört igen.' },
      staffCookie,
    );
    expect(close.status).toBe(303);
    await t.db
      .updateTable('organisation_closure')
      .set({ closed_at: new Date(Date.now() - 95 * 24 * HOUR) })
      .where('organisation_id', '=', organisation)
      .where('reopened_at', 'is', null)
      .execute();
    const text = pageText(await (await fetch(`${base()}/oppna`, { headers: { Cookie: staffCookie } })).text());
    expect(text).toContain('kan inte längre öppnas igen');
    const response = await postForm(`${base()}/oppna?_action=office.reopenOrganisation`, { organisation: String(organisation) }, staffCookie);
    expect(response.status).toBe(409);
    expect(await statusOf(ids.member)).toBe('inactive');
  });
});
