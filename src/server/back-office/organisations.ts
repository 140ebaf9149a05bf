import { sql } from 'kysely';
import type { Db } from '#server/platform/database.ts';
import { containsPattern } from '#server/platform/like.ts';
import { fetchPage } from '#server/platform/paging.ts';
import { parseUnitCode } from '#server/organisation/unit-code.ts';
import { UNIT_ADMIN_ROLE } from '#server/organisation/policy.ts';

export const ORGANISATION_PAGE_SIZE = 25;
/** The organisation page shows the latest events; the log page shows them all, paged. */
export const RECENT_EVENTS = 20;
export const ORGANISATION_LOG_PAGE_SIZE = 50;

export interface OrganisationHit {
  id: number;
  name: string;
  org_number: string;
  city: string;
  units: number;
}

/**
 * Organisations a handläggare looks for: by an enhetskod (any case) the unit's
 * organisation, by digits an organisationsnummer with or without its hyphen, otherwise
 * by a part of the name. Read out on the phone, all three are what a caller has at hand.
 */
export async function searchOrganisations(db: Db, query: string, page: number): Promise<{ rows: OrganisationHit[]; total: number }> {
  const code = parseUnitCode(query);
  const digits = query.replace(/[\s-]/g, '');
  let base = db.selectFrom('organisation');
  if (code) base = base.where('organisation.id', 'in', db.selectFrom('unit').select('unit.organisation_id').where('unit.unit_code', '=', code));
  else if (/^\d{6,12}$/.test(digits)) base = base.where('organisation.org_number', 'like', `%${digits}%`);
  else base = base.where(sql`lower(organisation.name)`, 'like', containsPattern(query));
  return fetchPage(
    base,
    (query) =>
      query
        .select(['organisation.id', 'organisation.name', 'organisation.org_number', 'organisation.city'])
        .select((eb) => eb.selectFrom('unit').select(eb.fn.countAll<number>().as('n')).whereRef('unit.organisation_id', '=', 'organisation.id').as('units'))
        .orderBy('organisation.name')
        .orderBy('organisation.id'),
    page,
    ORGANISATION_PAGE_SIZE,
  ).then(({ rows, total }) => ({ rows: rows.map((row) => ({ ...row, units: Number(row.units ?? 0) })), total }));
}

/** An organisation's name, for the pages beside its overview; undefined when the id names none. */
export function organisationName(db: Db, organisationId: number) {
  if (!Number.isSafeInteger(organisationId) || organisationId <= 0) return Promise.resolve(undefined);
  return db.selectFrom('organisation').select(['id', 'name']).where('id', '=', organisationId).executeTakeFirst();
}

/** Everything the organisation page shows, in a handful of queries run side by side. */
export async function organisationOverview(db: Db, organisationId: number) {
  if (!Number.isSafeInteger(organisationId) || organisationId <= 0) return undefined;
  const organisation = await db.selectFrom('organisation').selectAll().where('id', '=', organisationId).executeTakeFirst();
  if (!organisation) return undefined;
  const [areas, units, users, roles, applications, roleRequests, contacts, responsible, published] = await Promise.all([
    db.selectFrom('organisation_area').select(['area_key', 'approved_at']).where('organisation_id', '=', organisationId).orderBy('area_key').execute(),
    db
      .selectFrom('unit')
      .select(['id', 'name', 'unit_code', 'status', 'is_main', 'postal_address', 'postal_code', 'city'])
      .where('organisation_id', '=', organisationId)
      .orderBy('is_main', 'desc')
      .orderBy('name')
      .execute(),
    db
      .selectFrom('app_user')
      .select(['id', 'username', 'first_name', 'last_name', 'email', 'status', 'org_role'])
      .where('organisation_id', '=', organisationId)
      .where('kind', '=', 'member')
      .orderBy('last_name')
      .orderBy('first_name')
      .execute(),
    db
      .selectFrom('user_unit_role')
      .innerJoin('unit', 'unit.id', 'user_unit_role.unit_id')
      .select(['user_unit_role.user_id', 'user_unit_role.role_key', 'unit.id as unit_id', 'unit.name as unit_name'])
      .where('unit.organisation_id', '=', organisationId)
      .orderBy('unit.is_main', 'desc')
      .orderBy('unit.name')
      .orderBy('user_unit_role.role_key')
      .execute(),
    db
      .selectFrom('application')
      .select(['id', 'reference', 'status', 'submitted_at', 'decided_at'])
      .select((eb) =>
        eb
          .selectFrom('application_area')
          .select(sql<string[]>`array_agg(area_key order by area_key)`.as('a'))
          .whereRef('application_id', '=', 'application.id')
          .as('areas'),
      )
      .where('organisation_id', '=', organisationId)
      .orderBy('submitted_at', 'desc')
      .execute(),
    db
      .selectFrom('role_request')
      .select(['id', 'reference', 'status', 'created_at', 'decided_at'])
      .select((eb) =>
        eb
          .selectFrom('role_request_area')
          .select(sql<string[]>`array_agg(area_key order by area_key)`.as('a'))
          .whereRef('role_request_id', '=', 'role_request.id')
          .as('areas'),
      )
      .where('organisation_id', '=', organisationId)
      .orderBy('created_at', 'desc')
      .execute(),
    db.selectFrom('authority_contact').select(['id', 'name', 'phone', 'email', 'shown']).orderBy('name').execute(),
    db.selectFrom('organisation_contact').select('contact_id').where('organisation_id', '=', organisationId).execute(),
    // When the register last published the organisation: what the public register shows now.
    db
      .selectFrom('register_organisation')
      .innerJoin('register_publication', 'register_publication.id', 'register_organisation.publication_id')
      .select(['register_publication.published_at'])
      .where('register_organisation.org_number', '=', organisation.org_number)
      .orderBy('register_publication.published_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  const rolesByUser = new Map<number, Array<{ unitId: number; unit: string; role: string }>>();
  for (const row of roles) {
    const list = rolesByUser.get(row.user_id) ?? [];
    list.push({ unitId: row.unit_id, unit: row.unit_name, role: row.role_key });
    rolesByUser.set(row.user_id, list);
  }
  const withRoles = users.map((user) => ({ ...user, roles: rolesByUser.get(user.id) ?? [] }));
  // Administrators: the organisation roles, and every administratör enhet with the units they administer.
  const administrators = withRoles
    .map((user) => ({ ...user, adminUnits: user.roles.filter((role) => role.role === UNIT_ADMIN_ROLE).map((role) => role.unit) }))
    .filter((user) => user.org_role || user.adminUnits.length > 0)
    .sort((a, b) => rank(a.org_role) - rank(b.org_role));
  const chosen = new Set(responsible.map((row) => row.contact_id));
  return {
    organisation,
    areas,
    units,
    users: withRoles,
    administrators,
    applications: applications.map((row) => ({ ...row, areas: row.areas ?? [] })),
    roleRequests: roleRequests.map((row) => ({ ...row, areas: row.areas ?? [] })),
    contacts: contacts.map((contact) => ({ ...contact, responsible: chosen.has(contact.id) })),
    lastPublished: published?.published_at ?? null,
  };
}

const rank = (role: string | null) => (role === 'fullmaktshavare' ? 0 : role === 'admin_org' ? 1 : 2);

/**
 * The organisation's event log as the back office reads it: the same rows and sentences
 * its administrators see (event-log.ts describes them), but with the handläggare's name,
 * which staff may see and the organisation may not.
 */
export async function officeLog(db: Db, organisationId: number, page: number, size: number) {
  const base = db
    .selectFrom('audit_event')
    .leftJoin('app_user as actor', 'actor.id', 'audit_event.actor_user_id')
    .leftJoin('app_user as subject', 'subject.id', 'audit_event.subject_user_id')
    .where('audit_event.organisation_id', '=', organisationId);
  return fetchPage(
    base,
    (rows) =>
      rows
        .select([
          'audit_event.id',
          'audit_event.at',
          'audit_event.event',
          'audit_event.detail',
          sql<string | null>`actor.first_name || ' ' || actor.last_name || ' (' || actor.username || ')'`.as('actor'),
          sql<boolean>`coalesce(actor.kind = 'staff', false)`.as('actor_staff'),
          'actor.org_role as actor_role',
          sql<string | null>`subject.first_name || ' ' || subject.last_name || ' (' || subject.username || ')'`.as('subject'),
          sql<string | null>`subject.first_name || ' ' || subject.last_name`.as('subject_name'),
          sql<string | null>`(select name from unit where unit.id::text = audit_event.detail->>'unitId')`.as('unit_name'),
        ])
        .orderBy('audit_event.at', 'desc')
        .orderBy('audit_event.id', 'desc'),
    page,
    size,
  );
}
