import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#server/platform/clock.ts';
import { createDb } from '#server/platform/database.ts';
import { findPublication, publishRegister, registerDate, registerUnits } from '#server/register/publication.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { createOrganisation } from '../helpers/users.ts';

describe('publishing the register', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());

  it('dates a publication by the day in Stockholm', () => {
    expect(registerDate(new Date('2026-06-30T22:30:00Z'))).toBe('2026-07-01');
    expect(registerDate(new Date('2026-12-31T12:00:00Z'))).toBe('2026-12-31');
  });

  it('produces one publication when two processes publish at once', async () => {
    const clock = new ManualClock('2026-03-10T05:00:00Z');
    await createOrganisation(t.db, 'Parallellskolan AB');
    const other = createDb(t.url, 2);
    try {
      const results = await Promise.all([publishRegister(t.db, clock), publishRegister(other, clock), publishRegister(t.db, clock)]);
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.publication.id)).size).toBe(1);
      const rows = await t.db.selectFrom('register_publication').selectAll().where('published_on', '=', '2026-03-10').execute();
      expect(rows).toHaveLength(1);
      expect(rows[0].organisations).toBeGreaterThan(0);
    } finally {
      await other.destroy();
    }
  });

  it('shows a renamed unit under its old name until the next publication', async () => {
    const clock = new ManualClock('2026-04-01T08:00:00Z');
    const org = await createOrganisation(t.db, 'Namnbytesskolan AB');
    await publishRegister(t.db, clock);
    await t.db.updateTable('unit').set({ name: 'Nya namnet' }).where('id', '=', org.mainUnitId).execute();
    const today = (await findPublication(t.db))!;
    const names = async (publicationId: number) =>
      (await registerUnits(t.db, publicationId, { q: 'namnbytes', page: 1, perPage: 10 })).rows.map((row) => row.name);
    expect(await names(today.id)).toEqual(['Namnbytesskolan AB']);
    clock.advance(24 * 3600_000);
    await publishRegister(t.db, clock);
    const tomorrow = (await findPublication(t.db))!;
    expect(tomorrow.published_on).toBe('2026-04-02');
    expect(await names(tomorrow.id)).toEqual(['Nya namnet']);
    expect(await names(today.id)).toEqual(['Namnbytesskolan AB']);
  });

  it('copies no personal data', async () => {
    const columns = await t.db
      .selectFrom('information_schema.columns' as never)
      .select('column_name' as never)
      .where('table_name' as never, 'in', ['register_organisation', 'register_unit'] as never)
      .execute();
    const names = (columns as Array<{ column_name: string }>).map((row) => row.column_name);
    for (const personal of ['email', 'first_name', 'last_name', 'username', 'phone']) expect(names).not.toContain(personal);
  });
});
