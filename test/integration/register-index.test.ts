import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#server/platform/clock.ts';
import { unitJson } from '#server/register/api.ts';
import { type Publication, publishRegister, registerOrganisations, registerUnits, type RegisterQuery } from '#server/register/publication.ts';
import { clearPublicationIndexes, publicationIndex, searchOrganisations, searchUnits } from '#server/register/search-index.ts';
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
  ];

  it('answers every query with the rows, order and total of the SQL', async () => {
    const index = await publicationIndex(t.db, publication.id);
    expect(index).toBeDefined();
    for (const partial of queries) {
      const query: RegisterQuery = { page: 1, perPage: 100, ...partial };
      const sqlUnits = await registerUnits(t.db, publication.id, query);
      const indexed = searchUnits(index!, query);
      expect({ query, total: indexed.total, rows: indexed.rows.map((row) => JSON.parse(row)) }).toEqual({
        query,
        total: sqlUnits.total,
        rows: sqlUnits.rows.map((row) => JSON.parse(JSON.stringify(unitJson(row)))),
      });
      const sqlOrganisations = await registerOrganisations(t.db, publication.id, query);
      const organisations = searchOrganisations(index!, query);
      expect({ query, total: organisations.total, rows: organisations.rows.map((row) => JSON.parse(row)) }).toEqual({
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
  });
});
