import { sql } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import { containsPattern } from '#server/platform/like.ts';
import { fetchPage } from '#server/platform/paging.ts';
import { formatOrgNumber } from '#server/platform/format.ts';

const REGISTER_TIME_ZONE = 'Europe/Stockholm';

// Made once: building an Intl formatter with a time zone costs far more than using one.
const STOCKHOLM_DATE = new Intl.DateTimeFormat('sv-SE', { timeZone: REGISTER_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The register's day is Swedish: a publication belongs to the date in Stockholm. */
export function registerDate(now: Date): string {
  return stockholmDay(now).day;
}

/**
 * The Stockholm day that `now` falls in, with its first and last instant: every API answer
 * asks (twice), so the formatter and Temporal's arithmetic are worked once per day, and
 * any other instant of the same day is answered by a comparison.
 */
function stockholmDay(now: Date): StockholmDay {
  const at = now.getTime();
  if (currentDay && at >= currentDay.from && at < currentDay.until) return currentDay;
  const day = STOCKHOLM_DATE.format(now);
  const date = Temporal.PlainDate.from(day);
  const found = {
    day,
    from: date.toZonedDateTime({ timeZone: REGISTER_TIME_ZONE }).epochMilliseconds,
    until: date.add({ days: 1 }).toZonedDateTime({ timeZone: REGISTER_TIME_ZONE }).epochMilliseconds,
  };
  currentDay = found;
  return found;
}
interface StockholmDay {
  day: string;
  /** The day's first millisecond (its Stockholm midnight), and the next day's. */
  from: number;
  until: number;
}
let currentDay: StockholmDay | undefined;

export interface Publication {
  id: number;
  published_on: string;
  published_at: Date;
  organisations: number;
  units: number;
}

/**
 * Publishes today's register unless it exists. The unique date and ON CONFLICT make two
 * processes running this at once produce one publication: the second waits for the
 * first to commit and then finds the date taken. A closed organisation and its units
 * are left out (they stay in the portal's history and in earlier publications).
 */
export async function publishRegister(db: Db, clock: Clock): Promise<{ created: boolean; publication: Publication }> {
  const now = clock.now();
  const day = registerDate(now);
  const created = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('register_publication')
      .values({ published_on: day, published_at: now })
      .onConflict((oc) => oc.column('published_on').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    const organisations = await sql`
      insert into register_organisation (publication_id, org_number, name, city, confirmed_at, areas)
      select ${row.id}, o.org_number, o.name, o.city, o.details_confirmed_at,
             coalesce(array_agg(a.area_key order by a.area_key) filter (where a.area_key is not null), '{}')
      from organisation o left join organisation_area a on a.organisation_id = o.id
      where o.closed_at is null
      group by o.id`.execute(trx);
    const units = await sql`
      insert into register_unit (publication_id, unit_id, org_number, name, is_main, postal_address, postal_code, city, unit_code)
      select ${row.id}, u.id, o.org_number, u.name, u.is_main, u.postal_address, u.postal_code, u.city, u.unit_code
      from unit u join organisation o on o.id = u.organisation_id
      where u.status = 'active' and o.closed_at is null`.execute(trx);
    await trx
      .updateTable('register_publication')
      .set({ organisations: Number(organisations.numAffectedRows ?? 0), units: Number(units.numAffectedRows ?? 0) })
      .where('id', '=', row.id)
      .execute();
    return true;
  });
  const publication = await findPublication(db, day);
  return { created, publication: publication! };
}

/** The publication of a date (YYYY-MM-DD), or the latest. */
export async function findPublication(db: Db, day?: string): Promise<Publication | undefined> {
  let query = db.selectFrom('register_publication').selectAll();
  query = day ? query.where(sql`published_on`, '=', day) : query.orderBy('published_on', 'desc').limit(1);
  const row = await query.executeTakeFirst();
  return row;
}

export async function listPublications(db: Db, limit = 60): Promise<Publication[]> {
  return db.selectFrom('register_publication').selectAll().orderBy('published_on', 'desc').limit(limit).execute();
}

export interface RegisterQuery {
  q?: string;
  city?: string;
  orgNumber?: string;
  page: number;
  perPage: number;
}

export async function registerOrganisations(db: Db, publicationId: number, query: RegisterQuery) {
  let base = db.selectFrom('register_organisation').where('publication_id', '=', publicationId);
  if (query.q)
    base = base.where((eb) =>
      eb.or([eb(eb.fn('lower', [eb.ref('name')]), 'like', containsPattern(query.q!)), eb('org_number', 'like', containsPattern(query.q!.replace(/-/g, '')))]),
    );
  if (query.city) base = base.where(sql`lower(city)`, '=', query.city.trim().toLowerCase());
  if (query.orgNumber) base = base.where('org_number', '=', query.orgNumber.replace(/-/g, ''));
  return fetchPage(
    base,
    (rows) => rows.select(['org_number', 'name', 'city', 'areas', 'confirmed_at']).orderBy('name').orderBy('org_number'),
    query.page,
    query.perPage,
  );
}

export async function registerUnits(db: Db, publicationId: number, query: RegisterQuery) {
  let base = db
    .selectFrom('register_unit')
    .innerJoin('register_organisation', (join) =>
      join
        .onRef('register_organisation.publication_id', '=', 'register_unit.publication_id')
        .onRef('register_organisation.org_number', '=', 'register_unit.org_number'),
    )
    .where('register_unit.publication_id', '=', publicationId);
  if (query.q)
    base = base.where((eb) =>
      eb.or([
        eb(eb.fn('lower', [eb.ref('register_unit.name')]), 'like', containsPattern(query.q!)),
        eb(eb.fn('lower', [eb.ref('register_organisation.name')]), 'like', containsPattern(query.q!)),
        // A caller reads out the enhetskod: it finds its unit whatever the case.
        eb('register_unit.unit_code', '=', query.q!.trim().toUpperCase()),
      ]),
    );
  if (query.city) base = base.where(sql`lower(register_unit.city)`, '=', query.city.trim().toLowerCase());
  if (query.orgNumber) base = base.where('register_unit.org_number', '=', query.orgNumber.replace(/-/g, ''));
  return fetchPage(
    base,
    (rows) =>
      rows
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
        ])
        .orderBy('register_organisation.name')
        .orderBy('register_unit.is_main', 'desc')
        .orderBy('register_unit.name')
        .orderBy('register_unit.unit_id'),
    query.page,
    query.perPage,
  );
}

/** While today's publication is still to come, caches check back this often. */
const PENDING_MAX_AGE_SECONDS = 60;

/**
 * When the next publication is due: the next midnight in Stockholm, which is 23:00 UTC
 * in winter and 22:00 UTC in summer (and the day of a DST change has 23 or 25 hours).
 */
function nextPublicationAt(now: Date): Date {
  return new Date(stockholmDay(now).until);
}

/**
 * How long shared caches may keep an answer built from the latest publication: until the
 * next publication is due, or only briefly while today's has not been made yet (the chores
 * publish within minutes of midnight, and the answer must not outlive that).
 */
function latestCacheLifetime(latest: Publication | undefined, now: Date): { maxAge: number; expires: Date } {
  const pending = { maxAge: PENDING_MAX_AGE_SECONDS, expires: new Date(now.getTime() + PENDING_MAX_AGE_SECONDS * 1000) };
  if (!latest || latest.published_on !== registerDate(now)) return pending;
  const expires = nextPublicationAt(now);
  return { maxAge: Math.max(0, Math.floor((expires.getTime() - now.getTime()) / 1000)), expires };
}

/** The headers that let browsers and shared caches keep an answer from the latest publication. */
export function latestCacheHeaders(latest: Publication | undefined, now: Date): Record<string, string> {
  const { maxAge, expires } = latestCacheLifetime(latest, now);
  return { 'Cache-Control': `public, max-age=${maxAge}`, Expires: expires.toUTCString() };
}

/** One unit of a publication in the API's field names: the API, its index and the JSON download alike. */
export function unitJson(row: {
  unit_id: number;
  unit_code: string | null;
  name: string;
  is_main: boolean;
  postal_address: string | null;
  postal_code: string | null;
  city: string | null;
  org_number: string;
  organisation_name: string;
}) {
  return {
    id: row.unit_id,
    enhetskod: row.unit_code,
    namn: row.name,
    huvudorganisation: row.is_main,
    utdelningsadress: row.postal_address,
    postnummer: row.postal_code,
    ort: row.city,
    organisation: { organisationsnummer: formatOrgNumber(row.org_number), namn: row.organisation_name },
  };
}

/** One organisation of a publication in the API's field names. */
export function organisationJson(row: { org_number: string; name: string; city: string | null; areas: string[]; confirmed_at: Date | null }) {
  return {
    organisationsnummer: formatOrgNumber(row.org_number),
    namn: row.name,
    ort: row.city,
    omraden: row.areas,
    uppgifter_bekraftade: row.confirmed_at?.toISOString() ?? null,
  };
}
