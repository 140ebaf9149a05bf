import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db, Tx } from '#server/platform/database.ts';

/**
 * oidc-provider's storage in Postgres: every model (Session, Interaction, AuthorizationCode,
 * AccessToken, RefreshToken, Grant, …) as one JSON row in `oidc_model`, so that any
 * instance can serve any step of a sign-in. Expired rows are invisible at once and
 * deleted by the prune chore.
 */
export function postgresAdapter(db: Db): new (model: string) => Adapter {
  return class PostgresAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        model: this.model,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      };
      await db
        .insertInto('oidc_model')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['model', 'id']).doUpdateSet({
            payload: row.payload,
            grant_id: row.grant_id,
            user_code: row.user_code,
            uid: row.uid,
            expires_at: row.expires_at,
          }),
        )
        .execute();
    }

    private async findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_model')
        .select(['payload', 'consumed_at'])
        .where('model', '=', this.model)
        .where(column, '=', value)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
        .executeTakeFirst();
      if (!row) return undefined;
      const payload = row.payload as unknown as AdapterPayload;
      return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
    }

    find(id: string) {
      return this.findWhere('id', id);
    }

    findByUid(uid: string) {
      return this.findWhere('uid', uid);
    }

    findByUserCode(userCode: string) {
      return this.findWhere('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      await db.updateTable('oidc_model').set({ consumed_at: sql`now()` }).where('model', '=', this.model).where('id', '=', id).execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_model').where('model', '=', this.model).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_model').where('grant_id', '=', grantId).execute();
    }
  };
}

/** Everything a grant gave (codes, tokens) and the grant itself: access ends at once. */
export async function revokeGrants(db: Db | Tx, grantIds: string[]): Promise<void> {
  if (!grantIds.length) return;
  await db
    .deleteFrom('oidc_model')
    .where((eb) => eb.or([eb('grant_id', 'in', grantIds), eb.and([eb('model', '=', 'Grant'), eb('id', 'in', grantIds)])]))
    .execute();
}

/**
 * Inactivation: every grant the user's sign-ins to e-services hold ends at once (refresh,
 * introspection and userinfo fail from now on); the sweep then tells the e-services.
 */
export async function revokeUserGrants(db: Db | Tx, userId: number): Promise<void> {
  const grants = await db.selectFrom('oidc_sign_in').select('grant_id').where('user_id', '=', userId).where('logged_out_at', 'is', null).execute();
  await revokeGrants(
    db,
    grants.map((row) => row.grant_id),
  );
}
