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

/** A sealed key opened with this SECRET_KEY, or undefined when it was sealed with another. */
function openKey(sealed: Buffer, secretKey: string): JWK | undefined {
  try {
    return JSON.parse(unseal(sealed, secretKey, PURPOSE).toString('utf8')) as JWK;
  } catch {
    return undefined;
  }
}

/**
 * Creates the first key on first start (several instances starting at once make one), and
 * a new one when SECRET_KEY has changed and no live key opens with it any more.
 */
export async function ensureSigningKey(db: Db, secretKey: string, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${PURPOSE}))`.execute(trx);
    const live = await trx.selectFrom('oidc_signing_key').select('private_jwk_sealed').where('retired_at', 'is', null).execute();
    if (!live.some((row) => openKey(row.private_jwk_sealed, secretKey))) await insertKey(trx, secretKey, now);
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
  // A key sealed under another SECRET_KEY cannot sign here and is left out.
  const usable = rows.flatMap((row) => {
    const key = openKey(row.private_jwk_sealed, secretKey);
    return key ? [{ kid: row.kid, key }] : [];
  });
  return { keys: usable.map((entry) => entry.key), version: usable.map((entry) => entry.kid).join(',') };
}

/** Drops keys retired longer ago than anything they signed can live. */
export async function pruneSigningKeys(db: Db, keepSeconds: number, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('oidc_signing_key')
    .where('retired_at', '<', new Date(now.getTime() - keepSeconds * 1000))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
