import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { FileMigrationProvider, Migrator, NO_MIGRATIONS } from 'kysely/migration';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '#server/platform/database.ts';
import { MIGRATIONS_DIR, migrateToLatest, pendingMigrations } from '#server/runtime/migrate.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { runCodegen } from '../helpers/db-types.ts';

/** The public schema's tables, without Kysely's own bookkeeping. */
async function tables(db: Db): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(db);
  return result.rows.map((row) => row.table_name);
}

describe('migrations', () => {
  // Each test starts from an empty database of its own, so none depends on another's order.
  let empty: TestDatabase | undefined;
  const emptyDatabase = async () => {
    empty = await freshDatabase({ empty: true });
    return empty;
  };
  afterEach(async () => {
    await empty?.drop();
    empty = undefined;
  });

  it('build the whole schema up from an empty database, and a second run does nothing', async () => {
    const { db } = await emptyDatabase();
    expect((await pendingMigrations(db)).length).toBeGreaterThan(0);
    const applied = await migrateToLatest(db);
    expect(applied[0]).toMatch(/^\d{14}_\w+$/);
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await migrateToLatest(db)).toEqual([]);
    expect(await tables(db)).toEqual(expect.arrayContaining(['mail_outbox', 'dev_mailbox', 'seed_run']));
  });

  it('leave a schema that matches the TypeScript types in src/server/platform/db-types.ts', async () => {
    const { db, url } = await emptyDatabase();
    await migrateToLatest(db);
    const result = runCodegen(url, true);
    expect(result.output).not.toMatch(/outdated|differ/i);
    expect(result.status, `kysely-codegen --verify: ${result.output}\nRun \`npm run db:types\` after changing a migration.`).toBe(0);
  });

  it('come down again to an empty schema through every down(), and go up again to the same tables', async () => {
    const { db } = await emptyDatabase();
    const applied = await migrateToLatest(db);
    const built = await tables(db);
    expect(built.length).toBeGreaterThan(0);

    const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }) });
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error, `down() failed in ${down.results?.find((result) => result.status === 'Error')?.migrationName}`).toBeUndefined();
    expect(down.results?.map((result) => result.migrationName)).toEqual([...applied].reverse());
    expect(await tables(db)).toEqual([]);

    expect(await migrateToLatest(db)).toEqual(applied);
    expect(await tables(db)).toEqual(built);
  });
});
