import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import { sql } from 'kysely';
import type { Db, Tx } from '#server/platform/database.ts';
import { seal, unseal } from '#server/platform/seal.ts';

/**
 * The provider's signing keys (ES256) live in Postgres, sealed with SECRET_KEY, so every
 * instance signs with the same key and verifies what another issued. The newest key
 * signs; a retired key stays in the JWKS until every token it signed has expired.
 */
const PURPOSE = 'oidc-signing-key';

export interface SigningKeys {
  /** Private JWKs, newest first: oidc-provider signs with the first. */
  keys: JWK[];
  /** Changes whenever a key is added or dropped: instances rebuild their provider on a change. */
  version: string;
}

function newKey(): { kid: string; privateJwk: JWK; publicJwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  const extras = { kid, alg: 'ES256', use: 'sig' };
  return {
    kid,
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), ...extras },
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), ...extras },
  };
}

async function insertKey(db: Db | Tx, secretKey: string, now: Date): Promise<string> {
  const key = newKey();
  await db
    .insertInto('oidc_signing_key')
    .values({
      kid: key.kid,
      private_jwk_sealed: seal(Buffer.from(JSON.stringify(key.privateJwk)), secretKey, PURPOSE),
      public_jwk: JSON.stringify(key.publicJwk),
      created_at: now,
    })
    .execute();
  return key.kid;
}

/** Creates the first key on first start; several instances starting at once make one. */
export async function ensureSigningKey(db: Db, secretKey: string, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${PURPOSE}))`.execute(trx);
    const existing = await trx.selectFrom('oidc_signing_key').select('kid').where('retired_at', 'is', null).executeTakeFirst();
    if (!existing) await insertKey(trx, secretKey, now);
  });
}

/**
 * `npm run admin -- rotate-keys`: a new key signs from now on; the old ones are retired and
 * kept for `keepSeconds` (the longest lifetime of anything they signed).
 */
export async function rotateSigningKeys(db: Db, secretKey: string, now: Date): Promise<{ kid: string; retired: number }> {
  return db.transaction().execute(async (trx) => {
    const retired = await trx.updateTable('oidc_signing_key').set({ retired_at: now }).where('retired_at', 'is', null).executeTakeFirst();
    const kid = await insertKey(trx, secretKey, now);
    return { kid, retired: Number(retired.numUpdatedRows) };
  });
}

/** The keys in use: the live one first, then retired keys whose tokens may still be in use. */
export async function loadSigningKeys(db: Db, secretKey: string, keepSeconds: number, now: Date): Promise<SigningKeys> {
  const rows = await db
    .selectFrom('oidc_signing_key')
    .select(['kid', 'private_jwk_sealed', 'retired_at'])
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', new Date(now.getTime() - keepSeconds * 1000))]))
    // Rotation retires every older key: the newest is the live one.
    .orderBy('created_at', 'desc')
    .execute();
  return {
    keys: rows.map((row) => JSON.parse(unseal(row.private_jwk_sealed, secretKey, PURPOSE).toString('utf8')) as JWK),
    version: rows.map((row) => row.kid).join(','),
  };
}

/** Drops keys retired longer ago than anything they signed can live. */
export async function pruneSigningKeys(db: Db, keepSeconds: number, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('oidc_signing_key')
    .where('retired_at', '<', new Date(now.getTime() - keepSeconds * 1000))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
