import { type Kysely, sql } from 'kysely';

/**
 * The OpenID provider's state: every oidc-provider model (sessions, interactions, codes,
 * tokens, grants) as one JSON row, so any instance can serve any step; its signing keys;
 * and which e-services each portal session signed in to, for back-channel logout.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The `sub` the e-services see: stable and opaque, telling nothing about the user or their number.
  await sql`alter table app_user add column oidc_subject uuid not null default gen_random_uuid()`.execute(db);
  await sql`create unique index app_user_oidc_subject on app_user (oidc_subject)`.execute(db);

  await db.schema
    .createTable('oidc_model')
    .addColumn('model', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('user_code', 'text')
    .addColumn('uid', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('consumed_at', 'timestamptz')
    .addPrimaryKeyConstraint('oidc_model_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_model_grant').on('oidc_model').column('grant_id').where(sql.ref('grant_id'), 'is not', null).execute();
  await db.schema.createIndex('oidc_model_uid').on('oidc_model').column('uid').where(sql.ref('uid'), 'is not', null).execute();
  await db.schema.createIndex('oidc_model_expires').on('oidc_model').column('expires_at').execute();

  await db.schema
    .createTable('oidc_signing_key')
    .addColumn('kid', 'text', (col) => col.primaryKey())
    .addColumn('private_jwk_sealed', 'bytea', (col) => col.notNull())
    .addColumn('public_jwk', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    // Set when a newer key takes over: the old one stays in the JWKS until its tokens have expired.
    .addColumn('retired_at', 'timestamptz')
    .execute();

  // One row per grant the portal gave an e-service: which user, unit and portal session.
  await db.schema
    .createTable('oidc_sign_in')
    .addColumn('grant_id', 'text', (col) => col.primaryKey())
    .addColumn('client_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('unit_id', 'bigint', (col) => col.notNull())
    .addColumn('portal_session_id', 'text', (col) => col.notNull())
    .addColumn('sid', 'text')
    .addColumn('amr', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{pwd}'`))
    .addColumn('auth_time', 'timestamptz', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('logged_out_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('oidc_sign_in_session').on('oidc_sign_in').column('portal_session_id').execute();
  await db.schema.createIndex('oidc_sign_in_user').on('oidc_sign_in').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['oidc_sign_in', 'oidc_signing_key', 'oidc_model']) await db.schema.dropTable(table).execute();
  await sql`alter table app_user drop column oidc_subject`.execute(db);
}
