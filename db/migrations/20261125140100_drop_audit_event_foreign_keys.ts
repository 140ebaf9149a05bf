import type { Kysely } from 'kysely';

/**
 * The event log is a record, not a relation: it keeps the ids it was given. Its foreign
 * keys made every write lock the named user's and organisation's rows (FOR KEY SHARE),
 * so a failed login for an existing username cost measurably more than for an unknown
 * one, whose row names nobody, and the answer's time told the two apart.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_event').dropConstraint('audit_event_actor_user_id_fkey').execute();
  await db.schema.alterTable('audit_event').dropConstraint('audit_event_subject_user_id_fkey').execute();
  await db.schema.alterTable('audit_event').dropConstraint('audit_event_organisation_id_fkey').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('audit_event')
    .addForeignKeyConstraint('audit_event_actor_user_id_fkey', ['actor_user_id'], 'app_user', ['id'])
    .onDelete('set null')
    .execute();
  await db.schema
    .alterTable('audit_event')
    .addForeignKeyConstraint('audit_event_subject_user_id_fkey', ['subject_user_id'], 'app_user', ['id'])
    .onDelete('set null')
    .execute();
  await db.schema
    .alterTable('audit_event')
    .addForeignKeyConstraint('audit_event_organisation_id_fkey', ['organisation_id'], 'organisation', ['id'])
    .onDelete('set null')
    .execute();
}
