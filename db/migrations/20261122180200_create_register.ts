import { sql, type Kysely } from 'kysely';

/**
 * The public register: one publication a day, a snapshot of the approved, active
 * organisations and units. The portal edits live data; the register changes only with
 * the next publication. No personal data is ever copied here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('register_publication')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('published_on', 'date', (col) => col.notNull().unique())
    .addColumn('published_at', 'timestamptz', (col) => col.notNull())
    .addColumn('organisations', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('units', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('register_organisation')
    .addColumn('publication_id', 'bigint', (col) => col.notNull().references('register_publication.id').onDelete('cascade'))
    .addColumn('org_number', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('city', 'text', (col) => col.notNull())
    .addColumn('areas', sql`text[]`, (col) => col.notNull())
    .addPrimaryKeyConstraint('register_organisation_pkey', ['publication_id', 'org_number'])
    .execute();

  await db.schema
    .createTable('register_unit')
    .addColumn('publication_id', 'bigint', (col) => col.notNull().references('register_publication.id').onDelete('cascade'))
    .addColumn('unit_id', 'bigint', (col) => col.notNull())
    .addColumn('org_number', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('is_main', 'boolean', (col) => col.notNull())
    .addColumn('postal_address', 'text', (col) => col.notNull())
    .addColumn('postal_code', 'text', (col) => col.notNull())
    .addColumn('city', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('register_unit_pkey', ['publication_id', 'unit_id'])
    .execute();
  await db.schema.createIndex('register_unit_org').on('register_unit').columns(['publication_id', 'org_number']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('register_unit').execute();
  await db.schema.dropTable('register_organisation').execute();
  await db.schema.dropTable('register_publication').execute();
}
