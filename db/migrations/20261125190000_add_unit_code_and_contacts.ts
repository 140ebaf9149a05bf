import { sql, type Kysely } from 'kysely';

/**
 * Enhetskod: every unit's stable public code, the one a user gives when calling
 * (`E` and six digits). Codes come from a sequence through a fixed permutation of the
 * six-digit numbers, so neighbouring units do not get neighbouring codes and a typed
 * digit wrong rarely names another unit of the same organisation; past a million units
 * the code is the sequence number itself (seven digits or more, so never a collision).
 * Existing units get theirs in id order: the same database backfills the same codes.
 * The register keeps the code in each publication, as it keeps the name.
 *
 * The authority's contact persons (shown in Mina tjänster → Kontakta oss) and which of
 * them are responsible for which organisation.
 *
 * Preferences: which optional e-mails a user wants.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence unit_code_seq`.execute(db);
  await sql`create function unit_code_of(n bigint) returns text language sql immutable as $$
    select case when n < 1000000 then 'E' || lpad(((n * 7919 + 104729) % 1000000)::text, 6, '0') else 'E' || n::text end
  $$`.execute(db);
  await sql`create function next_unit_code() returns text language sql volatile as $$ select unit_code_of(nextval('unit_code_seq')) $$`.execute(db);
  await db.schema.alterTable('unit').addColumn('unit_code', 'text').execute();
  await sql`update unit u set unit_code = unit_code_of(r.n)
    from (select id, row_number() over (order by id) as n from unit) r where r.id = u.id`.execute(db);
  await sql`select setval('unit_code_seq', greatest((select count(*) from unit), 1), (select count(*) > 0 from unit))`.execute(db);
  await sql`alter table unit alter column unit_code set default next_unit_code(), alter column unit_code set not null`.execute(db);
  await sql`alter table unit add constraint unit_code_unique unique (unit_code)`.execute(db);

  await db.schema.alterTable('register_unit').addColumn('unit_code', 'text').execute();
  await sql`update register_unit r set unit_code = u.unit_code from unit u where u.id = r.unit_id`.execute(db);

  await db.schema
    .createTable('authority_contact')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('user_id', 'bigint', (col) => col.unique().references('app_user.id').onDelete('set null'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('phone', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('email', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('shown', 'boolean', (col) => col.notNull().defaultTo(true))
    .execute();
  await db.schema
    .createTable('organisation_contact')
    .addColumn('organisation_id', 'bigint', (col) => col.notNull().references('organisation.id').onDelete('cascade'))
    .addColumn('contact_id', 'bigint', (col) => col.notNull().references('authority_contact.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('organisation_contact_pkey', ['organisation_id', 'contact_id'])
    .execute();

  await db.schema
    .alterTable('app_user')
    .addColumn('mail_password_reminders', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('mail_news', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('app_user').dropColumn('mail_password_reminders').dropColumn('mail_news').execute();
  await db.schema.dropTable('organisation_contact').execute();
  await db.schema.dropTable('authority_contact').execute();
  await db.schema.alterTable('register_unit').dropColumn('unit_code').execute();
  await db.schema.alterTable('unit').dropColumn('unit_code').execute();
  await sql`drop function next_unit_code()`.execute(db);
  await sql`drop function unit_code_of(bigint)`.execute(db);
  await sql`drop sequence unit_code_seq`.execute(db);
}
