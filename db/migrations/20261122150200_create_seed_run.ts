import { sql, type Kysely } from 'kysely';

/** Records which one-time seeds have run, so a restart never seeds twice. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('seed_run')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('ran_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('seed_run').execute();
}
