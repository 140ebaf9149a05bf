import { sql } from 'kysely';
import type { Db } from '#server/platform/database.ts';
import { organisationJson as organisationFields, type RegisterQuery, unitJson as unitFields } from '#server/register/publication.ts';

/**
 * A publication never changes once made, so each process reads it once into memory, in
 * the API's order, and answers search, filters and paging from there instead of with two
 * SQL statements. Each row's answer JSON is kept ready as UTF-8 in one buffer, rows in
 * order, so a page is a copy of a few ranges of bytes (one range when no filter applies).
 * The lower-case names come from Postgres's own lower(), so a search matches exactly what
 * the SQL's `lower(name) LIKE` matched.
 *
 * A search does not scan every row: a trigram index (every three consecutive UTF-16 units
 * of the searched fields, hashed into a bucket → the ascending numbers of the rows that
 * hold a trigram of that bucket) gives the few rows that can match, and each of those is
 * then tested exactly as the scan tests a row. A string that contains the needle holds
 * each of its trigrams, so no match is lost; two trigrams sharing a bucket only add rows
 * to test. Needles shorter than a trigram are answered by the scan. The buckets are two
 * typed arrays (where each bucket starts, and all buckets' rows one after the other): a
 * few megabytes for a register of tens of thousands of units, and nothing for the garbage
 * collector to walk.
 *
 * Bounded: at most MAX_INDEXES publications are kept (the latest is nearly all traffic),
 * and a publication whose rows and trigrams come to more than MAX_INDEX_BYTES is not
 * indexed: its queries go to SQL.
 */
const MAX_INDEXES = 2;
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
// What one row costs beyond its strings (objects, array slots, pointers), as V8 lays them out.
const ROW_OVERHEAD_BYTES = 160;
// What one unit code costs in its Map beyond its characters.
const CODE_OVERHEAD_BYTES = 100;
const TRIGRAM = 3;
// Buckets: about a quarter as many as trigrams occur (distinct ones are far fewer), within these bounds.
const MIN_BUCKET_BITS = 10;
const MAX_BUCKET_BITS = 20;

interface UnitRow {
  name: string;
  organisationName: string;
  unitCode: string | null;
  city: string | null;
  orgNumber: string;
}

interface OrganisationRow {
  name: string;
  city: string | null;
  orgNumber: string;
}

/**
 * The trigrams of some fields of each row, hashed into 2^bits buckets: bucket b's rows,
 * ascending and each once, are rows[starts[b]] up to rows[starts[b + 1]].
 */
export interface Trigrams {
  bits: number;
  starts: Int32Array<ArrayBuffer>;
  rows: Int32Array<ArrayBuffer>;
}

/**
 * Every row's JSON followed by a comma, as UTF-8, one after the other: row i's are
 * bytes[starts[i]] up to bytes[starts[i + 1]]. Off the V8 heap, and exactly what it costs.
 */
export interface JsonRows {
  bytes: Uint8Array<ArrayBuffer>;
  starts: Int32Array<ArrayBuffer>;
}

export interface PublicationIndex {
  units: UnitRow[];
  unitJson: JsonRows;
  organisations: OrganisationRow[];
  organisationJson: JsonRows;
  /** The trigrams of each unit's name and its organisation's name (one needle searches both). */
  unitNames: Trigrams;
  /** Upper-case unit code → the rows with that code. */
  unitCodes: Map<string, number[]>;
  organisationNames: Trigrams;
  organisationNumbers: Trigrams;
  /** What the index keeps, estimated as V8 lays it out: rows, strings, trigrams and postings. */
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
  const unitTexts: string[] = [];
  const units = unitRows.map((row): UnitRow => {
    const json = JSON.stringify(unitFields(row));
    unitTexts.push(json);
    bytes += ROW_OVERHEAD_BYTES + 2 * (row.lower_name.length + row.lower_organisation_name.length + (row.lower_city?.length ?? 0));
    return {
      name: row.lower_name,
      organisationName: row.lower_organisation_name,
      unitCode: row.unit_code,
      city: row.lower_city,
      orgNumber: row.org_number,
    };
  });
  const organisationTexts: string[] = [];
  const organisations = organisationRows.map((row): OrganisationRow => {
    const json = JSON.stringify(organisationFields(row));
    organisationTexts.push(json);
    bytes += ROW_OVERHEAD_BYTES + 2 * (row.lower_name.length + (row.lower_city?.length ?? 0));
    return { name: row.lower_name, city: row.lower_city, orgNumber: row.org_number };
  });
  const unitJson = jsonRows(unitTexts);
  const organisationJson = jsonRows(organisationTexts);
  bytes += unitJson.bytes.byteLength + unitJson.starts.byteLength + organisationJson.bytes.byteLength + organisationJson.starts.byteLength;
  if (bytes > MAX_INDEX_BYTES) return undefined;
  const unitNames = trigramIndex(units, (row) => [row.name, row.organisationName]);
  const organisationNames = trigramIndex(organisations, (row) => [row.name]);
  const organisationNumbers = trigramIndex(organisations, (row) => [row.orgNumber]);
  for (const trigrams of [unitNames, organisationNames, organisationNumbers]) bytes += trigrams.starts.byteLength + trigrams.rows.byteLength;
  const unitCodes = new Map<string, number[]>();
  units.forEach((row, at) => {
    if (row.unitCode === null) return;
    const rows = unitCodes.get(row.unitCode);
    if (rows) rows.push(at);
    else {
      unitCodes.set(row.unitCode, [at]);
      bytes += CODE_OVERHEAD_BYTES + 2 * row.unitCode.length;
    }
  });
  if (bytes > MAX_INDEX_BYTES) return undefined;
  return { units, unitJson, organisations, organisationJson, unitNames, unitCodes, organisationNames, organisationNumbers, bytes };
}

const encoder = new TextEncoder();
const COMMA = 0x2c;

function jsonRows(texts: string[]): JsonRows {
  const starts = new Int32Array(texts.length + 1);
  for (let i = 0; i < texts.length; i++) starts[i + 1] = starts[i] + Buffer.byteLength(texts[i]) + 1;
  const bytes = new Uint8Array(starts[texts.length]);
  for (let i = 0; i < texts.length; i++) {
    encoder.encodeInto(texts[i], bytes.subarray(starts[i]));
    bytes[starts[i + 1] - 1] = COMMA;
  }
  return { bytes, starts };
}

/** One row's JSON as text (tests compare it with the SQL's). */
export function rowJson(json: JsonRows, row: number): string {
  return new TextDecoder().decode(json.bytes.subarray(json.starts[row], json.starts[row + 1] - 1));
}

/**
 * A page's JSON as chunks: the head, the rows' bytes as views of the index's own buffer
 * (runs of consecutive rows as one view, no copy), the tail. The last row's comma is left out.
 */
export function pageChunks(json: JsonRows, rows: number[], head: string, tail: string): Uint8Array<ArrayBuffer>[] {
  const chunks = [encoder.encode(head)];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j + 1 < rows.length && rows[j + 1] === rows[j] + 1) j++;
    const from = json.starts[rows[i]];
    const to = json.starts[rows[j] + 1] - (j === rows.length - 1 ? 1 : 0);
    chunks.push(json.bytes.subarray(from, to));
    i = j + 1;
  }
  chunks.push(encoder.encode(tail));
  return chunks;
}

/** The same page as one array of bytes. */
export function pageBytes(json: JsonRows, rows: number[], head: string, tail: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat(pageChunks(json, rows, head, tail)));
}

/** Tests set fewer bits to make trigrams share buckets; undefined sizes the buckets to the rows. */
let forcedBucketBits: number | undefined;
export function forceBucketBits(bits: number | undefined): void {
  forcedBucketBits = bits;
  indexes.clear();
}

/** The bucket of the trigram at `at` in `text`: the three UTF-16 units mixed, the top `bits` bits kept. */
function bucketOf(text: string, at: number, bits: number): number {
  let hash = Math.imul(text.charCodeAt(at), 0x9e3779b1) ^ Math.imul(text.charCodeAt(at + 1), 0x85ebca77) ^ Math.imul(text.charCodeAt(at + 2), 0xc2b2ae3d);
  hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  // `>>> 32` would shift by nothing: zero bits is one bucket.
  return bits === 0 ? 0 : (hash ^ (hash >>> 13)) >>> (32 - bits);
}

/**
 * Every trigram of the rows' fields in its bucket, in two passes over the rows (count,
 * then fill): no list per trigram is ever made, so building leaves little garbage behind.
 */
function trigramIndex<Row>(rows: Row[], fields: (row: Row) => Array<string | null>): Trigrams {
  let occurrences = 0;
  for (const row of rows) for (const field of fields(row)) if (field !== null) occurrences += Math.max(0, field.length - TRIGRAM + 1);
  const bits = forcedBucketBits ?? Math.min(MAX_BUCKET_BITS, Math.max(MIN_BUCKET_BITS, Math.ceil(Math.log2(Math.max(1, occurrences / 4)))));
  const buckets = 2 ** bits;
  // The last row each bucket was given, so that a row goes into a bucket once.
  const last = new Int32Array(buckets);
  const eachBucket = (visit: (bucket: number, at: number) => void) => {
    last.fill(-1);
    rows.forEach((row, at) => {
      for (const field of fields(row)) {
        if (field === null) continue;
        for (let i = 0; i + TRIGRAM <= field.length; i++) {
          const bucket = bucketOf(field, i, bits);
          if (last[bucket] === at) continue;
          last[bucket] = at;
          visit(bucket, at);
        }
      }
    });
  };
  const starts = new Int32Array(buckets + 1);
  eachBucket((bucket) => starts[bucket + 1]++);
  for (let bucket = 0; bucket < buckets; bucket++) starts[bucket + 1] += starts[bucket];
  const list = new Int32Array(starts[buckets]);
  const next = starts.slice(0, buckets);
  // Rows are visited in order: every bucket's rows come out ascending.
  eachBucket((bucket, at) => {
    list[next[bucket]++] = at;
  });
  return { bits, starts, rows: list };
}

/**
 * The rows that hold every trigram of `needle` (or another of the same bucket), ascending:
 * a superset of the rows whose fields contain it. Undefined when the needle is shorter
 * than a trigram (every row may match).
 */
function candidates(trigrams: Trigrams, needle: string): Int32Array | undefined {
  if (needle.length < TRIGRAM) return undefined;
  const seen: number[] = [];
  const lists: Int32Array[] = [];
  for (let i = 0; i + TRIGRAM <= needle.length; i++) {
    const bucket = bucketOf(needle, i, trigrams.bits);
    if (seen.includes(bucket)) continue;
    seen.push(bucket);
    const from = trigrams.starts[bucket];
    const to = trigrams.starts[bucket + 1];
    if (from === to) return EMPTY;
    lists.push(trigrams.rows.subarray(from, to));
  }
  lists.sort((a, b) => a.length - b.length);
  let rows = lists[0];
  // Intersecting narrows the rows to test; once they are few, testing them is cheaper than intersecting more.
  for (let i = 1; i < lists.length && rows.length > FEW_CANDIDATES; i++) rows = intersect(rows, lists[i]);
  return rows;
}
const EMPTY = new Int32Array(0);
const FEW_CANDIDATES = 16;

/** The rows in both ascending lists; `small` is no longer than `large`. */
function intersect(small: Int32Array, large: Int32Array): Int32Array {
  const out = new Int32Array(small.length);
  let count = 0;
  let from = 0;
  for (let i = 0; i < small.length; i++) {
    const row = small[i];
    // Galloping search from where the previous row was found: both lists ascend.
    let step = 1;
    let high = from;
    while (high < large.length && large[high] < row) {
      from = high + 1;
      high += step;
      step *= 2;
    }
    high = Math.min(high, large.length - 1);
    let low = from;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (large[middle] < row) low = middle + 1;
      else high = middle;
    }
    from = low;
    if (low < large.length && large[low] === row) out[count++] = row;
  }
  return out.subarray(0, count);
}

/** The numbers of the rows of `all` at the given ascending positions (or all of them) that pass `test`, in order. */
function select<Row>(all: Row[], at: ArrayLike<number> | undefined, test: (row: Row) => boolean): number[] {
  const rows: number[] = [];
  if (at === undefined) {
    for (let i = 0; i < all.length; i++) if (test(all[i])) rows.push(i);
    return rows;
  }
  for (let i = 0; i < at.length; i++) if (test(all[at[i]])) rows.push(at[i]);
  return rows;
}

/** The union of two ascending lists of row numbers, ascending and without repeats. */
function union(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    out.push(next);
    // A row in both lists: skip its copy in the other.
    if (j < b.length && b[j] === next) j++;
    if (i < a.length && a[i] === next) i++;
  }
  return out;
}

/** One page of a query over the index: the numbers of its rows, in order, and how many rows match in all. */
export function searchUnits(index: PublicationIndex, query: RegisterQuery): Found {
  // The same tests as registerUnits' WHERE clause, term by term.
  const needle = query.q ? query.q.trim().toLowerCase() : undefined;
  const code = query.q ? query.q.trim().toUpperCase() : undefined;
  const city = query.city ? query.city.trim().toLowerCase() : undefined;
  const orgNumber = query.orgNumber?.replace(/-/g, '');
  if (needle === undefined && city === undefined && orgNumber === undefined) return page(undefined, index.units.length, query);
  const test = (row: UnitRow) =>
    (needle === undefined || row.name.includes(needle) || row.organisationName.includes(needle) || row.unitCode === code) &&
    (city === undefined || row.city === city) &&
    (orgNumber === undefined || row.orgNumber === orgNumber);
  const named = needle === undefined ? undefined : candidates(index.unitNames, needle);
  if (!named) return page(select(index.units, undefined, test), 0, query);
  // A unit is found by its name, its organisation's name, or its code.
  const coded = index.unitCodes.get(code!);
  return page(select(index.units, coded ? union(named, coded) : named, test), 0, query);
}

export function searchOrganisations(index: PublicationIndex, query: RegisterQuery): Found {
  const needle = query.q ? query.q.trim().toLowerCase() : undefined;
  const digits = query.q ? query.q.replace(/-/g, '').trim().toLowerCase() : undefined;
  const city = query.city ? query.city.trim().toLowerCase() : undefined;
  const orgNumber = query.orgNumber?.replace(/-/g, '');
  if (needle === undefined && city === undefined && orgNumber === undefined) return page(undefined, index.organisations.length, query);
  const test = (row: OrganisationRow) =>
    (needle === undefined || row.name.includes(needle) || row.orgNumber.includes(digits!)) &&
    (city === undefined || row.city === city) &&
    (orgNumber === undefined || row.orgNumber === orgNumber);
  const named = needle === undefined ? undefined : candidates(index.organisationNames, needle);
  const numbered = digits === undefined ? undefined : candidates(index.organisationNumbers, digits);
  if (!named || !numbered) return page(select(index.organisations, undefined, test), 0, query);
  return page(select(index.organisations, union(named, numbered), test), 0, query);
}

export interface Found {
  /** The page's rows, by their number in the index. */
  rows: number[];
  /** How many rows match in all. */
  total: number;
}

/** The query's page of the matching rows, or (matches undefined) of all `count` rows. */
function page(matches: number[] | undefined, count: number, query: RegisterQuery): Found {
  const offset = (Math.max(1, query.page) - 1) * query.perPage;
  if (matches) return { rows: matches.slice(offset, offset + query.perPage), total: matches.length };
  const rows: number[] = [];
  for (let row = offset; row < Math.min(count, offset + query.perPage); row++) rows.push(row);
  return { rows, total: count };
}
