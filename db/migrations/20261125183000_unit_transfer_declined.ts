import { type Kysely, sql } from 'kysely';

/** A receiving organisation may decline a unit offered to it: the offer ends as 'declined'. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table unit_transfer drop constraint unit_transfer_status_check`.execute(db);
  await sql`alter table unit_transfer add constraint unit_transfer_status_check check (status in ('proposed', 'accepted', 'withdrawn', 'declined'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update unit_transfer set status = 'withdrawn' where status = 'declined'`.execute(db);
  await sql`alter table unit_transfer drop constraint unit_transfer_status_check`.execute(db);
  await sql`alter table unit_transfer add constraint unit_transfer_status_check check (status in ('proposed', 'accepted', 'withdrawn'))`.execute(db);
}
