import { sql, type Kysely } from 'kysely';

/**
 * What administration needs: the organisation's contact details and approved areas,
 * a unit's address and status, a user's phone and organisation role. At most one
 * administratör organisation and one fullmaktshavare per organisation, by constraint.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('organisation')
    .addColumn('postal_address', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('postal_code', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('city', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('phone', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('email', 'text', (col) => col.notNull().defaultTo(''))
    .execute();

  await db.schema
    .alterTable('unit')
    .addColumn('postal_address', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('postal_code', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('city', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('active').check(sql`status in ('active', 'inactive')`))
    .execute();

  await db.schema
    .alterTable('app_user')
    .addColumn('phone', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('org_role', 'text', (col) => col.check(sql`org_role in ('fullmaktshavare', 'admin_org')`))
    .execute();
  await sql`create unique index app_user_one_org_role on app_user (organisation_id, org_role) where org_role is not null and status = 'active'`.execute(db);

  await db.schema
    .createTable('organisation_area')
    .addColumn('organisation_id', 'bigint', (col) => col.notNull().references('organisation.id').onDelete('cascade'))
    .addColumn('area_key', 'text', (col) => col.notNull())
    .addColumn('approved_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('organisation_area_pkey', ['organisation_id', 'area_key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('organisation_area').execute();
  await db.schema.dropIndex('app_user_one_org_role').execute();
  await db.schema.alterTable('app_user').dropColumn('org_role').dropColumn('phone').execute();
  await db.schema.alterTable('unit').dropColumn('status').dropColumn('city').dropColumn('postal_code').dropColumn('postal_address').execute();
  await db.schema
    .alterTable('organisation')
    .dropColumn('email')
    .dropColumn('phone')
    .dropColumn('city')
    .dropColumn('postal_code')
    .dropColumn('postal_address')
    .execute();
}
