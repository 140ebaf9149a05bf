import { sql, type Kysely } from 'kysely';

/**
 * Keeping the register right: when an organisation last confirmed its details, and the
 * history of its units (moved to another organisation, merged, split).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organisation').addColumn('details_confirmed_at', 'timestamptz').execute();
  await db.schema.alterTable('register_organisation').addColumn('confirmed_at', 'timestamptz').execute();
  await db.schema
    .alterTable('unit')
    .addColumn('merged_into_unit_id', 'bigint', (col) => col.references('unit.id'))
    .addColumn('split_from_unit_id', 'bigint', (col) => col.references('unit.id'))
    .execute();
  await db.schema
    .createTable('unit_transfer')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('unit_id', 'bigint', (col) => col.notNull().references('unit.id'))
    .addColumn('from_organisation_id', 'bigint', (col) => col.notNull().references('organisation.id'))
    .addColumn('to_organisation_id', 'bigint', (col) => col.notNull().references('organisation.id'))
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('proposed').check(sql`status in ('proposed', 'accepted', 'withdrawn')`))
    .addColumn('proposed_by', 'bigint', (col) => col.notNull().references('app_user.id'))
    .addColumn('proposed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('decided_by', 'bigint', (col) => col.references('app_user.id'))
    .addColumn('decided_at', 'timestamptz')
    .execute();
  // One open proposal per unit.
  await sql`create unique index unit_transfer_one_open on unit_transfer (unit_id) where status = 'proposed'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('unit_transfer').execute();
  await db.schema.alterTable('unit').dropColumn('split_from_unit_id').dropColumn('merged_into_unit_id').execute();
  await db.schema.alterTable('register_organisation').dropColumn('confirmed_at').execute();
  await db.schema.alterTable('organisation').dropColumn('details_confirmed_at').execute();
}
