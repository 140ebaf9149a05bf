import { sql, type Kysely } from 'kysely';

/**
 * An application whose signed paper never arrives lapses ('forfallen'). The status is
 * outside the partial unique index application_one_per_organisation, so a lapsed
 * application no longer holds the organisation number.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table application drop constraint application_status_check`.execute(db);
  await sql`alter table application add constraint application_status_check check (status in ('inskickad', 'underlag_mottaget', 'godkand', 'avslagen', 'forfallen'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  // Lapsed applications had held no number; as rejected ones they still hold none.
  await sql`update application set status = 'avslagen' where status = 'forfallen'`.execute(db);
  await sql`alter table application drop constraint application_status_check`.execute(db);
  await sql`alter table application add constraint application_status_check check (status in ('inskickad', 'underlag_mottaget', 'godkand', 'avslagen'))`.execute(
    db,
  );
}
