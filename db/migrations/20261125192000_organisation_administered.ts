import { type Kysely, sql } from 'kysely';

/**
 * Some organisations order access on paper: the authority creates, changes and ends their
 * users, and the organisation's own administrators only see them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organisation add column administered_by_authority boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table organisation drop column administered_by_authority`.execute(db);
}
