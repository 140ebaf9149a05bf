import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#server/platform/clock.ts';
import { type Publication, publishRegister, registerOrganisations, registerUnits, type RegisterQuery, unitJson } from '#server/register/publication.ts';
import {
  clearPublicationIndexes,
  forceBucketBits,
  pageBytes,
  publicationIndex,
  rowJson,
  searchOrganisations,
  searchUnits,
} from '#server/register/search-index.ts';
import { formatOrgNumber } from '#server/platform/format.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * The API answers from an in-memory index of each publication. Whatever the query, the
 * index must answer exactly what the SQL answers: the same rows, in the same order, and
 * the same total.
 */
describe('the publication index', () => {
  let t: TestDatabase;
  let publication: Publication;
  const names = [
    'Åsa Skola AB',
    'älvskolan',
    'Öster 50% Utbildning',
    'Under_Strecket HB',
    'ANORDNARE Ett',
    'anordnare två',
    'Zeta',
    'Ängby Lärcentrum',
    'Back\\slash AB',
  ];

  beforeAll(async () => {
    t = await freshDatabase();
    const now = new Date();
    for (const [i, name] of names.entries()) {
      const org = await t.db
        .insertInto('organisation')
        .values({ org_number: String(5_560_000_000 + i * 37), name, city: i % 3 === 0 ? 'Malmö' : i % 3 === 1 ? 'MALMÖ ' : '', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await t.db.insertInto('organisation_area').values({ organisation_id: org.id, area_key: 'YH', approved_at: now }).execute();
      for (let u = 0; u < 3; u++) {
        await t.db
          .insertInto('unit')
          .values({
            organisation_id: org.id,
            name: u === 0 ? name : `${['Filial', 'filial', 'Enhet Å'][u]} ${i}`,
            is_main: u === 0,
            city: ['Malmö', 'Lund', 'malmö'][(i + u) % 3],
            created_at: now,
          })
          .execute();
      }
    }
    ({ publication } = await publishRegister(t.db, new ManualClock('2026-05-04T08:00:00Z')));
    clearPublicationIndexes();
  });
  afterAll(() => t.drop());

  const queries: Array<Partial<RegisterQuery>> = [
    {},
    { page: 2, perPage: 5 },
    { page: 9, perPage: 4 },
    { page: 100, perPage: 10 },
    { q: 'skola' },
    { q: 'SKOLA ' },
    { q: 'å' },
    { q: '50%' },
    { q: '_' },
    { q: '\\' },
    { q: 'filial 1', perPage: 2, page: 2 },
    { q: '556000' },
    { q: '556000-0037' },
    { city: 'malmö' },
    { city: ' MALMÖ ' },
    { city: 'Lund', q: 'filial' },
    { orgNumber: '556000-0074' },
    { orgNumber: '5560000074', q: 'enhet' },
    // Shorter than a trigram: answered by the scan.
    { q: 'ab' },
    { q: 'ö' },
    { q: '  e ' },
    { q: '5' },
    // Longer needles, answered from the trigram index: across words, with å, ä and ö, and none at all.
    { q: 'a skola' },
    { q: 'åsa skola ab' },
    { q: 'ÄLV' },
    { q: 'ängby lär' },
    { q: 'enhet å 2' },
    { q: 'filial' },
    { q: 'ial 3' },
    { q: 'ordnare t' },
    { q: '0% u' },
    { q: 'r_s' },
    { q: 'k\\s' },
    { q: 'zzzz' },
    { q: 'skolan ab' },
    { q: 'aaaa' },
    { q: 'ala ala' },
    // An organisation number, whole or in part, with and without its dash.
    { q: '5560000' },
    { q: '0000-2' },
    { q: '00-0' },
    { q: '556000-0111' },
    { q: 'filial', city: 'malmö', page: 2, perPage: 3 },
    { q: 'enhet', orgNumber: '556000-0148' },
  ];

  async function expectSameAsSql(queries: Array<Partial<RegisterQuery>>) {
    const index = await publicationIndex(t.db, publication.id);
    expect(index).toBeDefined();
    for (const partial of queries) {
      const query: RegisterQuery = { page: 1, perPage: 100, ...partial };
      const sqlUnits = await registerUnits(t.db, publication.id, query);
      const indexed = searchUnits(index!, query);
      expect({ query, total: indexed.total, rows: indexed.rows.map((row) => JSON.parse(rowJson(index!.unitJson, row))) }).toEqual({
        query,
        total: sqlUnits.total,
        rows: sqlUnits.rows.map((row) => JSON.parse(JSON.stringify(unitJson(row)))),
      });
      // The page as the API writes it: the rows' bytes copied range by range between a head and a tail.
      const page = new TextDecoder().decode(pageBytes(index!.unitJson, indexed.rows, '{"enheter":[', ']}'));
      expect(page, JSON.stringify(query)).toBe(JSON.stringify({ enheter: sqlUnits.rows.map(unitJson) }));
      const sqlOrganisations = await registerOrganisations(t.db, publication.id, query);
      const organisations = searchOrganisations(index!, query);
      expect({ query, total: organisations.total, rows: organisations.rows.map((row) => JSON.parse(rowJson(index!.organisationJson, row))) }).toEqual({
        query,
        total: sqlOrganisations.total,
        rows: sqlOrganisations.rows.map((row) => ({
          organisationsnummer: formatOrgNumber(row.org_number),
          namn: row.name,
          ort: row.city,
          omraden: row.areas,
          uppgifter_bekraftade: row.confirmed_at?.toISOString() ?? null,
        })),
      });
    }
  }

  it('answers every query with the rows, order and total of the SQL', async () => {
    await expectSameAsSql(queries);
  });

  it('finds a unit by its code in any case, as the SQL does', async () => {
    const codes = await t.db.selectFrom('register_unit').select('unit_code').where('publication_id', '=', publication.id).orderBy('unit_id').execute();
    const code = codes[4].unit_code!;
    await expectSameAsSql([{ q: code }, { q: code.toLowerCase() }, { q: ` ${code} ` }, { q: code.slice(0, 4) }, { q: code.slice(1) }]);
    const index = (await publicationIndex(t.db, publication.id))!;
    expect(searchUnits(index, { q: code.toLowerCase(), page: 1, perPage: 10 }).total).toBe(1);
  });

  it('answers every piece of every name the same as the SQL', async () => {
    // Substrings of the searched fields, of every length from 1 to 12 and at every start, and
    // pieces that span a unit's name into its organisation's: whatever a user may type.
    const rows = await t.db
      .selectFrom('register_unit')
      .innerJoin('register_organisation', (join) =>
        join
          .onRef('register_organisation.publication_id', '=', 'register_unit.publication_id')
          .onRef('register_organisation.org_number', '=', 'register_unit.org_number'),
      )
      .where('register_unit.publication_id', '=', publication.id)
      .select(['register_unit.name', 'register_organisation.name as organisation_name', 'register_unit.org_number'])
      .execute();
    const pieces = new Set<string>();
    for (const [i, row] of rows.entries()) {
      const text = `${row.name} ${row.organisation_name} ${row.org_number}`;
      for (let length = 1 + (i % 3); length <= 12; length += 3) pieces.add(text.slice(i % text.length, (i % text.length) + length));
    }
    expect(pieces.size).toBeGreaterThan(50);
    await expectSameAsSql([...pieces].map((q) => ({ q, perPage: 500 })));
  });

  it('counts its trigrams in its bytes, within the bound', async () => {
    const index = (await publicationIndex(t.db, publication.id))!;
    const trigrams = [index.unitNames, index.organisationNames, index.organisationNumbers].reduce(
      (sum, buckets) => sum + buckets.starts.byteLength + buckets.rows.byteLength,
      0,
    );
    expect(index.unitNames.rows.length).toBeGreaterThan(0);
    const json = index.unitJson.bytes.byteLength + index.organisationJson.bytes.byteLength;
    expect(index.bytes).toBeGreaterThan(json + trigrams);
    expect(index.bytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('answers the same when trigrams share buckets: a shared bucket only adds rows to test', async () => {
    try {
      for (const bits of [0, 1, 3, 6]) {
        forceBucketBits(bits);
        await expectSameAsSql(queries);
      }
    } finally {
      forceBucketBits(undefined);
    }
  });
});
