import { sql, type Kysely } from 'kysely';

/**
 * Who may log in and where: organisations with their units, users (organisation
 * members and the authority's staff), service roles per unit, and the log of changes
 * to access. Later migrations extend these tables; they do not replace them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisation')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('org_number', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('unit')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('organisation_id', 'bigint', (col) => col.notNull().references('organisation.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('is_main', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .execute();
  // Exactly one huvudorganisation per organisation.
  await sql`create unique index unit_one_main on unit (organisation_id) where is_main`.execute(db);

  await db.schema
    .createTable('app_user')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('username', 'text', (col) => col.notNull().unique())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('member', 'staff')`))
    .addColumn('organisation_id', 'bigint', (col) => col.references('organisation.id'))
    .addColumn('first_name', 'text', (col) => col.notNull())
    .addColumn('last_name', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('active').check(sql`status in ('active', 'inactive')`))
    .addColumn('password_hash', 'text')
    .addColumn('password_changed_at', 'timestamptz')
    .addColumn('terms_version', 'text')
    .addColumn('terms_accepted_at', 'timestamptz')
    .addColumn('selected_unit_id', 'bigint', (col) => col.references('unit.id'))
    .addColumn('expiry_notice_days', 'integer')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addCheckConstraint('app_user_member_has_organisation', sql`(kind = 'member') = (organisation_id is not null)`)
    .execute();

  await db.schema
    .createTable('user_unit_role')
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('unit_id', 'bigint', (col) => col.notNull().references('unit.id').onDelete('cascade'))
    .addColumn('role_key', 'text', (col) => col.notNull())
    .addColumn('granted_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('user_unit_role_pkey', ['user_id', 'unit_id', 'role_key'])
    .execute();

  await db.schema
    .createTable('user_session')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('secret_hash', 'bytea', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_used_at', 'timestamptz', (col) => col.notNull())
    .addColumn('user_agent', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('client', 'text', (col) => col.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('user_session_user').on('user_session').column('user_id').execute();

  // Failed logins are counted per username, existing or not, so that a lock looks the same either way.
  await db.schema
    .createTable('login_throttle')
    .addColumn('username_key', 'text', (col) => col.primaryKey())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_attempt_at', 'timestamptz', (col) => col.notNull())
    .addColumn('locked_until', 'timestamptz')
    .execute();

  await db.schema
    .createTable('one_time_code')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (col) => col.notNull().check(sql`purpose in ('first_login', 'reset')`))
    .addColumn('code_hash', 'bytea', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('failed_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('used_at', 'timestamptz')
    .addColumn('voided_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('one_time_code_user').on('one_time_code').columns(['user_id', 'purpose']).execute();

  // A step of the kiosk that the previous step unlocked (verified identity, verified code).
  await db.schema
    .createTable('kiosk_ticket')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('secret_hash', 'bytea', (col) => col.notNull())
    .addColumn('step', 'text', (col) => col.notNull().check(sql`step in ('code', 'new_password')`))
    .addColumn('user_id', 'bigint', (col) => col.references('app_user.id').onDelete('cascade'))
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('audit_event')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('at', 'timestamptz', (col) => col.notNull())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('actor_user_id', 'bigint', (col) => col.references('app_user.id').onDelete('set null'))
    .addColumn('subject_user_id', 'bigint', (col) => col.references('app_user.id').onDelete('set null'))
    .addColumn('organisation_id', 'bigint', (col) => col.references('organisation.id').onDelete('set null'))
    .addColumn('client', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('detail', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_event_subject').on('audit_event').columns(['subject_user_id', 'at']).execute();
  await db.schema.createIndex('audit_event_organisation').on('audit_event').columns(['organisation_id', 'at']).execute();

  // ALTCHA challenges already redeemed: each solves one form post.
  await db.schema
    .createTable('captcha_redemption')
    .addColumn('signature', 'text', (col) => col.primaryKey())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'captcha_redemption',
    'audit_event',
    'kiosk_ticket',
    'one_time_code',
    'login_throttle',
    'user_session',
    'user_unit_role',
    'app_user',
    'unit',
    'organisation',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
