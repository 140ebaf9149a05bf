import { sql } from 'kysely';
import type { Db } from '#server/platform/database.ts';
import { fetchPage } from '#server/platform/paging.ts';

export const LOG_PAGE_SIZE = 50;

export interface LogFilter {
  username?: string;
  event?: string;
  /** Events about this unit or about people with a role in it. */
  unit?: number;
  page?: number;
  /** An administratör enhet sees the events about users of these units only. */
  units?: ReadonlySet<number>;
}

/**
 * The organisation's audit rows with who did it and to whom, newest first, filtered and
 * paged, as the organisation's administrators read them: a handläggare acted for the
 * authority, so their name and username are left out (`actor` is null and `actor_staff`
 * true) and searching by a handläggare's username finds nothing.
 */
export async function organisationLog(db: Db, organisationId: number, filter: LogFilter) {
  let base = db
    .selectFrom('audit_event')
    .leftJoin('app_user as actor', 'actor.id', 'audit_event.actor_user_id')
    .leftJoin('app_user as subject', 'subject.id', 'audit_event.subject_user_id')
    .where('audit_event.organisation_id', '=', organisationId);
  if (filter.units) {
    const units = [...filter.units];
    if (units.length === 0) return { rows: [], total: 0 };
    base = base.where('audit_event.subject_user_id', 'in', db.selectFrom('user_unit_role').select('user_id').where('unit_id', 'in', units));
  }
  if (filter.event) base = base.where('audit_event.event', '=', filter.event);
  if (filter.unit) {
    const unit = filter.unit;
    base = base.where((eb) =>
      eb.or([
        eb('audit_event.subject_user_id', 'in', db.selectFrom('user_unit_role').select('user_id').where('unit_id', '=', unit)),
        eb(sql`audit_event.detail->>'unitId'`, '=', String(unit)),
      ]),
    );
  }
  if (filter.username) {
    const name = filter.username.trim().toLowerCase();
    base = base.where((eb) => eb.or([eb.and([eb('actor.username', '=', name), eb('actor.kind', '<>', 'staff')]), eb('subject.username', '=', name)]));
  }
  return fetchPage(
    base,
    (rows) =>
      rows
        .select([
          'audit_event.id',
          'audit_event.at',
          'audit_event.event',
          'audit_event.detail',
          sql<string | null>`case when actor.kind = 'staff' then null else actor.first_name || ' ' || actor.last_name || ' (' || actor.username || ')' end`.as(
            'actor',
          ),
          sql<boolean>`coalesce(actor.kind = 'staff', false)`.as('actor_staff'),
          'actor.org_role as actor_role',
          sql<string | null>`subject.first_name || ' ' || subject.last_name || ' (' || subject.username || ')'`.as('subject'),
        ])
        .orderBy('audit_event.at', 'desc')
        .orderBy('audit_event.id', 'desc'),
    filter.page ?? 1,
    LOG_PAGE_SIZE,
  );
}
