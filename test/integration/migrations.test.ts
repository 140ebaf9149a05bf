import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, pendingMigrations } from '#server/runtime/migrate.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { runCodegen } from '../helpers/db-types.ts';

describe('migrations', () => {
  let empty: TestDatabase;
  beforeAll(async () => {
    empty = await freshDatabase({ empty: true });
  });
  afterAll(() => empty.drop());

  it('build the whole schema up from an empty database, and a second run does nothing', async () => {
    expect((await pendingMigrations(empty.db)).length).toBeGreaterThan(0);
    const applied = await migrateToLatest(empty.db);
    expect(applied[0]).toMatch(/^\d{14}_\w+$/);
    expect(await pendingMigrations(empty.db)).toEqual([]);
    expect(await migrateToLatest(empty.db)).toEqual([]);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(empty.db);
    expect(tables.rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(['mail_outbox', 'dev_mailbox', 'seed_run']));
  });

  it('leave a schema that matches the TypeScript types in src/server/platform/db-types.ts', () => {
    const result = runCodegen(empty.url, true);
    expect(result.output).not.toMatch(/outdated|differ/i);
    expect(result.status, `kysely-codegen --verify: ${result.output}\nRun \`npm run db:types\` after changing a migration.`).toBe(0);
  });
});
