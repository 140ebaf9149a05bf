import { sql } from 'kysely';
import type { Db } from '#server/platform/database.ts';
import { formatOrgNumber } from '#server/platform/format.ts';
import type { RegisterQuery } from '#server/register/publication.ts';

/**
 * A publication never changes once made, so each process reads it once into memory, in
 * the API's order, and answers search, filters and paging from there: a query costs a scan
 * of a few thousand strings instead of two SQL statements. Each row keeps its answer's
 * JSON, so a page is a join of ready strings. The lower-case names come from Postgres's
 * own lower(), so a search matches exactly what the SQL's `lower(name) LIKE` matched.
 *
 * Bounded: at most MAX_INDEXES publications are kept (the latest is nearly all traffic),
 * and a publication larger than MAX_INDEX_BYTES is not indexed: its queries go to SQL.
 */
const MAX_INDEXES = 2;
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
// What one row costs beyond its strings (objects, array slots, pointers), as V8 lays them out.
const ROW_OVERHEAD_BYTES = 160;

interface UnitRow {
  json: string;
  name: string;
  organisationName: string;
  unitCode: string | null;
  city: string | null;
  orgNumber: string;
}

interface OrganisationRow {
  json: string;
  name: string;
  city: string | null;
  orgNumber: string;
}

export interface PublicationIndex {
  units: UnitRow[];
  organisations: OrganisationRow[];
  bytes: number;
}

const indexes = new Map<number, Promise<PublicationIndex | undefined>>();

/** The publication's index, built on first use; undefined when it is too large to keep. */
export function publicationIndex(db: Db, publicationId: number): Promise<PublicationIndex | undefined> {
  let index = indexes.get(publicationId);
  if (index) {
    // Most recently used last: the Map's order is the eviction order.
    indexes.delete(publicationId);
    indexes.set(publicationId, index);
    return index;
  }
  index = build(db, publicationId);
  indexes.set(publicationId, index);
  // A failed build is not kept: the next request tries again.
  index.catch(() => indexes.delete(publicationId));
  while (indexes.size > MAX_INDEXES) indexes.delete(indexes.keys().next().value!);
  return index;
}

/** Forgets every index (tests that rewrite a publication in place). */
export function clearPublicationIndexes(): void {
  indexes.clear();
}

async function build(db: Db, publicationId: number): Promise<PublicationIndex | undefined> {
  const counts = await db.selectFrom('register_publication').select(['organisations', 'units']).where('id', '=', publicationId).executeTakeFirst();
  // A cheap first bound before anything is read: rows of a few hundred bytes each.
  if (!counts || (counts.organisations + counts.units) * ROW_OVERHEAD_BYTES > MAX_INDEX_BYTES) return undefined;
  const [unitRows, organisationRows] = await Promise.all([
    db
      .selectFrom('register_unit')
      .innerJoin('register_organisation', (join) =>
        join
          .onRef('register_organisation.publication_id', '=', 'register_unit.publication_id')
          .onRef('register_organisation.org_number', '=', 'register_unit.org_number'),
      )
      .where('register_unit.publication_id', '=', publicationId)
      .select([
        'register_unit.unit_id',
        'register_unit.name',
        'register_unit.is_main',
        'register_unit.postal_address',
        'register_unit.postal_code',
        'register_unit.city',
        'register_unit.unit_code',
        'register_unit.org_number',
        'register_organisation.name as organisation_name',
        sql<string>`lower(register_unit.name)`.as('lower_name'),
        sql<string>`lower(register_organisation.name)`.as('lower_organisation_name'),
        sql<string | null>`lower(register_unit.city)`.as('lower_city'),
      ])
      // The order of registerUnits, in the database's collation.
      .orderBy('register_organisation.name')
      .orderBy('register_unit.is_main', 'desc')
      .orderBy('register_unit.name')
      .orderBy('register_unit.unit_id')
      .execute(),
    db
      .selectFrom('register_organisation')
      .where('publication_id', '=', publicationId)
      .select([
        'org_number',
        'name',
        'city',
        'areas',
        'confirmed_at',
        sql<string>`lower(name)`.as('lower_name'),
        sql<string | null>`lower(city)`.as('lower_city'),
      ])
      .orderBy('name')
      .orderBy('org_number')
      .execute(),
  ]);
  let bytes = 0;
  const units = unitRows.map((row): UnitRow => {
    const json = JSON.stringify({
      id: row.unit_id,
      enhetskod: row.unit_code,
      namn: row.name,
      huvudorganisation: row.is_main,
      utdelningsadress: row.postal_address,
      postnummer: row.postal_code,
      ort: row.city,
      organisation: { organisationsnummer: formatOrgNumber(row.org_number), namn: row.organisation_name },
    });
    bytes += ROW_OVERHEAD_BYTES + 2 * (json.length + row.lower_name.length + row.lower_organisation_name.length + (row.lower_city?.length ?? 0));
    return {
      json,
      name: row.lower_name,
      organisationName: row.lower_organisation_name,
      unitCode: row.unit_code,
      city: row.lower_city,
      orgNumber: row.org_number,
    };
  });
  const organisations = organisationRows.map((row): OrganisationRow => {
    const json = JSON.stringify({
      organisationsnummer: formatOrgNumber(row.org_number),
      namn: row.name,
      ort: row.city,
      omraden: row.areas,
      uppgifter_bekraftade: row.confirmed_at?.toISOString() ?? null,
    });
    bytes += ROW_OVERHEAD_BYTES + 2 * (json.length + row.lower_name.length + (row.lower_city?.length ?? 0));
    return { json, name: row.lower_name, city: row.lower_city, orgNumber: row.org_number };
  });
  if (bytes > MAX_INDEX_BYTES) return undefined;
  return { units, organisations, bytes };
}

/** One page of a query over the index: the rows' JSON, in order, and how many rows match in all. */
export function searchUnits(index: PublicationIndex, query: RegisterQuery): { rows: string[]; total: number } {
  // The same tests as registerUnits' WHERE clause, term by term.
  const needle = query.q ? query.q.trim().toLowerCase() : undefined;
  const code = query.q ? query.q.trim().toUpperCase() : undefined;
  const city = query.city ? query.city.trim().toLowerCase() : undefined;
  const orgNumber = query.orgNumber?.replace(/-/g, '');
  const matches =
    needle === undefined && city === undefined && orgNumber === undefined
      ? index.units
      : index.units.filter(
          (row) =>
            (needle === undefined || row.name.includes(needle) || row.organisationName.includes(needle) || row.unitCode === code) &&
            (city === undefined || row.city === city) &&
            (orgNumber === undefined || row.orgNumber === orgNumber),
        );
  return page(matches, query);
}

export function searchOrganisations(index: PublicationIndex, query: RegisterQuery): { rows: string[]; total: number } {
  const needle = query.q ? query.q.trim().toLowerCase() : undefined;
  const digits = query.q ? query.q.replace(/-/g, '').trim().toLowerCase() : undefined;
  const city = query.city ? query.city.trim().toLowerCase() : undefined;
  const orgNumber = query.orgNumber?.replace(/-/g, '');
  const matches =
    needle === undefined && city === undefined && orgNumber === undefined
      ? index.organisations
      : index.organisations.filter(
          (row) =>
            (needle === undefined || row.name.includes(needle) || row.orgNumber.includes(digits!)) &&
            (city === undefined || row.city === city) &&
            (orgNumber === undefined || row.orgNumber === orgNumber),
        );
  return page(matches, query);
}

function page(matches: Array<{ json: string }>, query: RegisterQuery): { rows: string[]; total: number } {
  const offset = (Math.max(1, query.page) - 1) * query.perPage;
  return { rows: matches.slice(offset, offset + query.perPage).map((row) => row.json), total: matches.length };
}
