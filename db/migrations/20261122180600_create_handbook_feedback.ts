import { sql, type Kysely } from 'kysely';

/** "Hjälpte den här sidan dig?": one row per answer, never who gave it. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('handbook_feedback')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('page', 'text', (col) => col.notNull())
    .addColumn('helpful', 'boolean', (col) => col.notNull())
    .addColumn('comment', 'text', (col) => col.check(sql`char_length(comment) <= 1000`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('handbook_feedback_page').on('handbook_feedback').columns(['page', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('handbook_feedback').execute();
}
