import { sql, type Kysely } from 'kysely';

/**
 * Ansökan om användarkonto: a draft while the form is being filled in (so that the
 * answers survive "Kontrollera" and "Ändra" without a server session), the submitted
 * application with its areas and status history. One account per organisation number:
 * a partial unique index allows one application in progress or approved per number.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('application_draft')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('secret_hash', 'bytea', (col) => col.notNull())
    .addColumn('data', 'jsonb', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('application')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('reference', 'text', (col) => col.notNull().unique())
    .addColumn('access_hash', 'bytea', (col) => col.notNull().unique())
    .addColumn('org_number', 'text', (col) => col.notNull())
    .addColumn('org_name', 'text', (col) => col.notNull())
    .addColumn('postal_address', 'text', (col) => col.notNull())
    .addColumn('postal_code', 'text', (col) => col.notNull())
    .addColumn('city', 'text', (col) => col.notNull())
    .addColumn('phone', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('signatory', 'jsonb', (col) => col.notNull())
    .addColumn('holder', 'jsonb', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('inskickad', 'underlag_mottaget', 'godkand', 'avslagen')`))
    .addColumn('submitted_at', 'timestamptz', (col) => col.notNull())
    .addColumn('decided_at', 'timestamptz')
    .execute();
  await sql`create unique index application_one_per_organisation on application (org_number) where status in ('inskickad', 'underlag_mottaget', 'godkand')`.execute(
    db,
  );

  await db.schema
    .createTable('application_area')
    .addColumn('application_id', 'bigint', (col) => col.notNull().references('application.id').onDelete('cascade'))
    .addColumn('area_key', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('application_area_pkey', ['application_id', 'area_key'])
    .execute();

  await db.schema
    .createTable('application_event')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('application_id', 'bigint', (col) => col.notNull().references('application.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('at', 'timestamptz', (col) => col.notNull())
    .addColumn('note', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['application_event', 'application_area', 'application', 'application_draft']) await db.schema.dropTable(table).execute();
}
