import { sql, type Kysely } from 'kysely';

/**
 * The service's order: the username letter first, the one-time password some days later.
 * Marking a letter printed sets when its one-time password is due; a chore mails it then
 * and records that it went, so each letter's password is sent once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('user_letter')
    .addColumn('one_time_password_due_at', 'timestamptz')
    .addColumn('one_time_password_sent_at', 'timestamptz')
    .execute();
  // The chore's question: which letters' passwords are due and not yet sent.
  await sql`create index user_letter_one_time_password_due on user_letter (one_time_password_due_at) where one_time_password_sent_at is null and one_time_password_due_at is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('user_letter_one_time_password_due').execute();
  await db.schema.alterTable('user_letter').dropColumn('one_time_password_due_at').dropColumn('one_time_password_sent_at').execute();
}
