import type { Kysely } from 'kysely';

/** Username letters to print and post: made when an account is created, marked when printed. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_letter')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('printed_at', 'timestamptz')
    .addColumn('printed_by', 'bigint', (col) => col.references('app_user.id'))
    .execute();
  await db.schema
    .alterTable('application')
    .addColumn('paper_received_on', 'date')
    .addColumn('organisation_id', 'bigint', (col) => col.references('organisation.id'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('application').dropColumn('organisation_id').dropColumn('paper_received_on').execute();
  await db.schema.dropTable('user_letter').execute();
}
