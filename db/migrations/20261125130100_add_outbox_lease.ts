import type { Kysely } from 'kysely';

/**
 * A sender leases the rows it claims instead of holding their row locks while it talks
 * to SMTP: no transaction stays open across a send, and a crashed sender's rows are
 * claimable again once the lease has run out.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('locked_until', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').dropColumn('locked_until').execute();
}
