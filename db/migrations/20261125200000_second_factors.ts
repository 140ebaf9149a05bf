import { type Kysely, sql } from 'kysely';

/**
 * Second factors: authenticator apps (TOTP), passkeys (WebAuthn) and recovery codes. A
 * session records how it was authenticated (`amr`, RFC 8176 values: pwd, otp, hwk, user,
 * swk) and when the last factor was shown, so that pages needing a second factor can
 * ask for a step-up.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table user_session add column amr text[] not null default '{pwd}'`.execute(db);
  await sql`alter table user_session add column second_factor_at timestamptz`.execute(db);

  // One authenticator app per user; the secret is sealed with SECRET_KEY. A code's step is
  // remembered so that the same code is accepted once.
  await db.schema
    .createTable('totp_factor')
    .addColumn('user_id', 'bigint', (col) => col.primaryKey().references('app_user.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'bytea', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('last_used_step', 'bigint')
    .addColumn('last_used_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('recovery_code')
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('code_hash', 'bytea', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .addPrimaryKeyConstraint('recovery_code_pk', ['user_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('passkey')
    .addColumn('credential_id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('public_key', 'bytea', (col) => col.notNull())
    .addColumn('counter', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('transports', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('device_type', 'text', (col) => col.notNull().defaultTo('singleDevice'))
    .addColumn('backed_up', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('passkey_user').on('passkey').column('user_id').execute();

  // A WebAuthn challenge lives in Postgres, so any instance can check the answer.
  await db.schema
    .createTable('webauthn_challenge')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('challenge', 'text', (col) => col.notNull())
    .addColumn('purpose', 'text', (col) => col.notNull().check(sql`purpose in ('register', 'login', 'step_up')`))
    .addColumn('user_id', 'bigint', (col) => col.references('app_user.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['webauthn_challenge', 'passkey', 'recovery_code', 'totp_factor']) await db.schema.dropTable(table).execute();
  await sql`alter table user_session drop column second_factor_at`.execute(db);
  await sql`alter table user_session drop column amr`.execute(db);
}
