import { sql } from 'kysely';
import { setUserActive } from '#server/identity/accounts.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import { lockedUntil } from '#server/identity/login.ts';
import { normalizeUsername, type User } from '#server/identity/users.ts';
import { containsPattern } from '#server/platform/like.ts';
import { fetchPage } from '#server/platform/paging.ts';

export const SUPPORT_PAGE_SIZE = 25;

/**
 * The desk serves the organisations' users only. Staff accounts are managed with
 * `npm run admin`: a handläggare who could inactivate colleagues, or the last of them,
 * from the desk could leave the authority without anyone to run it.
 */
export const managedAtDesk = (user: Pick<User, 'kind'>) => user.kind === 'member';

/** Members whose username, name or e-mail contains the query, for staff on the phone. */
export async function searchUsers(db: Db, query: string, page: number): Promise<{ rows: Array<User & { organisation_name: string | null }>; total: number }> {
  const needle = containsPattern(query);
  const base = db
    .selectFrom('app_user')
    .leftJoin('organisation', 'organisation.id', 'app_user.organisation_id')
    .where('app_user.kind', '=', 'member')
    .where((eb) =>
      eb.or([
        eb(sql`lower(app_user.username)`, 'like', needle),
        eb(sql`lower(app_user.first_name || ' ' || app_user.last_name)`, 'like', needle),
        eb(sql`lower(app_user.email)`, 'like', needle),
      ]),
    );
  return fetchPage(
    base,
    (query) => query.selectAll('app_user').select('organisation.name as organisation_name').orderBy('app_user.last_name').orderBy('app_user.first_name'),
    page,
    SUPPORT_PAGE_SIZE,
  );
}

export interface UserOverview {
  organisation: { name: string; org_number: string } | undefined;
  /** Role keys per unit: the page names them. */
  roles: Array<{ unit: string; role: string }>;
  lockedUntil: Date | null;
  lastLogin: Date | null;
}

/** What support needs to see about one user. */
export async function userOverview(db: Db, user: User, now: Date): Promise<UserOverview> {
  const [organisation, roles, locked, lastLogin] = await Promise.all([
    user.organisation_id ? db.selectFrom('organisation').select(['name', 'org_number']).where('id', '=', user.organisation_id).executeTakeFirst() : undefined,
    db
      .selectFrom('user_unit_role')
      .innerJoin('unit', 'unit.id', 'user_unit_role.unit_id')
      .select(['unit.name as unit', 'user_unit_role.role_key'])
      .where('user_unit_role.user_id', '=', user.id)
      .orderBy('unit.name')
      .execute(),
    lockedUntil(db, user.username, now),
    db
      .selectFrom('audit_event')
      .select('at')
      .where('subject_user_id', '=', user.id)
      .where('event', '=', 'login.succeeded')
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return {
    organisation,
    roles: roles.map((row) => ({ unit: row.unit, role: row.role_key })),
    lockedUntil: locked,
    lastLogin: lastLogin?.at ?? null,
  };
}

export type StaffChange = { kind: 'ok'; user: User } | { kind: 'notStaff' } | { kind: 'lastStaff' };

/**
 * `npm run admin -- inactivate-staff | reactivate-staff`: the only way a handläggare's
 * account changes state. The last active handläggare is never inactivated, so the
 * authority always has somebody to run the back office.
 */
export async function setStaffActive(db: Db, username: string, active: boolean, clock: Clock): Promise<StaffChange> {
  return db.transaction().execute(async (trx) => {
    // Every staff row locked, in one order: two inactivations at once cannot both pass the last-one check.
    const staff = await trx.selectFrom('app_user').selectAll().where('kind', '=', 'staff').orderBy('id').forUpdate().execute();
    const target = staff.find((user) => user.username === normalizeUsername(username));
    if (!target) return { kind: 'notStaff' };
    if (!active && target.status === 'active' && staff.filter((user) => user.status === 'active').length <= 1) return { kind: 'lastStaff' };
    await setUserActive(trx, target, active, { userId: null, client: 'cli' }, clock);
    return { kind: 'ok', user: target };
  });
}
