import type { Kysely } from 'kysely';

/**
 * Organisations with thousands of units: their unit lists are paged in SQL by name, and
 * the users of a unit are found through its roles, so both need an index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('unit_organisation_name').on('unit').columns(['organisation_id', 'name', 'id']).execute();
  await db.schema.createIndex('user_unit_role_unit').on('user_unit_role').columns(['unit_id', 'user_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('user_unit_role_unit').execute();
  await db.schema.dropIndex('unit_organisation_name').execute();
}
