import { sql, type Kysely } from 'kysely';

/**
 * Decisions that can be traced: every history row of an application or a role request
 * names the person who made it (their id, and their name as it was, so the record reads
 * the same after the account is gone; no foreign key, as for the audit log).
 *
 * Komplettering: the handläggare asks for what the signed paper lacks. An application
 * waiting for its completion still holds its organisation number (it is in the partial
 * unique index) and lapses, like one waiting for its first paper, when the completion has
 * not arrived APPLICATION_PAPER_DAYS after it was asked for (`completion_requested_at`).
 *
 * Approval confirms the organisation's details: organisations approved before this
 * migration get their approval time as the time of confirmation.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table application drop constraint application_status_check`.execute(db);
  await sql`alter table application add constraint application_status_check check (status in ('inskickad', 'underlag_mottaget', 'komplettering', 'godkand', 'avslagen', 'forfallen'))`.execute(
    db,
  );
  await sql`drop index application_one_per_organisation`.execute(db);
  await sql`create unique index application_one_per_organisation on application (org_number) where status in ('inskickad', 'underlag_mottaget', 'komplettering', 'godkand')`.execute(
    db,
  );
  await db.schema.alterTable('application').addColumn('completion_requested_at', 'timestamptz').execute();
  await db.schema.alterTable('application_event').addColumn('actor_user_id', 'bigint').addColumn('actor_name', 'text').execute();

  await db.schema
    .createTable('role_request_event')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('role_request_id', 'bigint', (col) => col.notNull().references('role_request.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('at', 'timestamptz', (col) => col.notNull())
    .addColumn('note', 'text')
    .addColumn('actor_user_id', 'bigint')
    .addColumn('actor_name', 'text')
    .execute();
  await sql`create index role_request_event_request on role_request_event (role_request_id, at)`.execute(db);
  // The history of existing requests, as far as their rows tell it (who decided was not kept).
  await sql`insert into role_request_event (role_request_id, status, at, actor_user_id, actor_name)
    select r.id, 'inskickad', r.created_at, r.requested_by, u.first_name || ' ' || u.last_name
    from role_request r left join app_user u on u.id = r.requested_by`.execute(db);
  await sql`insert into role_request_event (role_request_id, status, at, note)
    select id, 'underlag_mottaget', paper_received_on::timestamptz, 'Underlaget mottaget ' || paper_received_on::text
    from role_request where paper_received_on is not null`.execute(db);
  await sql`insert into role_request_event (role_request_id, status, at, note)
    select id, status, decided_at, decision_note from role_request where decided_at is not null`.execute(db);

  await sql`update organisation o set details_confirmed_at = o.created_at
    where o.details_confirmed_at is null and exists (select 1 from application a where a.organisation_id = o.id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('role_request_event').execute();
  await db.schema.alterTable('application_event').dropColumn('actor_user_id').dropColumn('actor_name').execute();
  await db.schema.alterTable('application').dropColumn('completion_requested_at').execute();
  // An application waiting for its completion has its paper: back to review.
  await sql`update application set status = 'underlag_mottaget' where status = 'komplettering'`.execute(db);
  await sql`drop index application_one_per_organisation`.execute(db);
  await sql`create unique index application_one_per_organisation on application (org_number) where status in ('inskickad', 'underlag_mottaget', 'godkand')`.execute(
    db,
  );
  await sql`alter table application drop constraint application_status_check`.execute(db);
  await sql`alter table application add constraint application_status_check check (status in ('inskickad', 'underlag_mottaget', 'godkand', 'avslagen', 'forfallen'))`.execute(
    db,
  );
}
