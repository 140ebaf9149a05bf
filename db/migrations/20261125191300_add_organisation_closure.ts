import { sql, type Kysely } from 'kysely';

/**
 * Closing an organisation: it is marked closed (never deleted, the history stays) and
 * each closing is a row that records exactly what it changed — which users and units it
 * inactivated, which role requests it withdrew — so that reopening restores those and
 * nothing that was inactive before. A closing is reopened at most once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organisation').addColumn('closed_at', 'timestamptz').addColumn('closed_reason', 'text').execute();
  await db.schema
    .createTable('organisation_closure')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('organisation_id', 'bigint', (col) => col.notNull().references('organisation.id').onDelete('cascade'))
    .addColumn('closed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('closed_by', 'bigint', (col) => col.references('app_user.id').onDelete('set null'))
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('inactivated_user_ids', sql`bigint[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('inactivated_unit_ids', sql`bigint[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('withdrawn_request_ids', sql`bigint[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('reopened_at', 'timestamptz')
    .addColumn('reopened_by', 'bigint', (col) => col.references('app_user.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('organisation_closure_organisation').on('organisation_closure').columns(['organisation_id', 'closed_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('organisation_closure').execute();
  await db.schema.alterTable('organisation').dropColumn('closed_at').dropColumn('closed_reason').execute();
}
