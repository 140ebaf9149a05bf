import { sql, type Kysely } from 'kysely';

/**
 * Ansök om ny roll: an approved organisation asks for more areas. Printed, signed and
 * posted like the first application; approval adds the areas, whose roles can then be
 * given. One open request per organisation and area.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('role_request')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('reference', 'text', (col) => col.notNull().unique())
    .addColumn('organisation_id', 'bigint', (col) => col.notNull().references('organisation.id'))
    .addColumn('requested_by', 'bigint', (col) => col.notNull().references('app_user.id'))
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('inskickad', 'underlag_mottaget', 'godkand', 'avslagen')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('paper_received_on', 'date')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decision_note', 'text')
    .execute();
  await db.schema
    .createTable('role_request_area')
    .addColumn('role_request_id', 'bigint', (col) => col.notNull().references('role_request.id').onDelete('cascade'))
    .addColumn('organisation_id', 'bigint', (col) => col.notNull())
    .addColumn('area_key', 'text', (col) => col.notNull())
    .addColumn('open', 'boolean', (col) => col.notNull().defaultTo(true))
    .addPrimaryKeyConstraint('role_request_area_pkey', ['role_request_id', 'area_key'])
    .execute();
  await sql`create unique index role_request_area_one_open on role_request_area (organisation_id, area_key) where open`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('role_request_area').execute();
  await db.schema.dropTable('role_request').execute();
}
