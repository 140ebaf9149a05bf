import { createHash, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';

export type CodePurpose = 'first_login' | 'reset';

/** A code is void after this many wrong tries. */
const MAX_CODE_FAILURES = 5;

// No 0/O, 1/I/L: a one-time password is copied from an e-mail by hand.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Codes are compared without spaces, dashes or case, as people type them. */
const normalizeCode = (code: string) => code.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase().slice(0, 64);

const hashCode = (code: string) => createHash('sha256').update(normalizeCode(code)).digest();

/** From the CSPRNG: 8 digits for a reset code, 12 characters (about 59 bits) for a one-time password. */
function generateCode(purpose: CodePurpose): string {
  if (purpose === 'reset') return Array.from({ length: 8 }, () => randomInt(10)).join('');
  const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}

/**
 * Issues a new code and voids the user's older ones of the same purpose. Each code counts
 * its own wrong tries: carrying a count over would let anyone who knows a username void
 * every code its owner orders. The per-account limit on codes sent an hour bounds guessing.
 */
export async function issueCode(trx: Tx, userId: number, purpose: CodePurpose, lifetimeMs: number, clock: Clock): Promise<{ code: string; expiresAt: Date }> {
  const now = clock.now();
  await trx
    .updateTable('one_time_code')
    .set({ voided_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const code = generateCode(purpose);
  const expiresAt = new Date(now.getTime() + lifetimeMs);
  await trx
    .insertInto('one_time_code')
    .values({
      user_id: userId,
      purpose,
      code_hash: hashCode(code),
      created_at: now,
      expires_at: expiresAt,
      failed_attempts: 0,
    })
    .execute();
  return { code, expiresAt };
}

export type CodeCheck = 'ok' | 'wrong' | 'void';

const live = (db: Db | Tx, userId: number, purpose: CodePurpose, now: Date) =>
  db
    .selectFrom('one_time_code')
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .where('failed_attempts', '<', MAX_CODE_FAILURES);

/** Counts a wrong try against the live code; says whether it is now void. */
async function countFailure(db: Db | Tx, userId: number, purpose: CodePurpose, now: Date): Promise<CodeCheck> {
  const row = await db
    .updateTable('one_time_code')
    .set({ failed_attempts: sql`failed_attempts + 1` })
    .where('id', 'in', live(db, userId, purpose, now).select('id'))
    .returning('failed_attempts')
    .executeTakeFirst();
  return row && row.failed_attempts < MAX_CODE_FAILURES ? 'wrong' : 'void';
}

/** Checks a code without using it up (the one-time password is used up when the new password is saved). */
export async function checkCode(db: Db | Tx, userId: number, purpose: CodePurpose, code: string, clock: Clock): Promise<CodeCheck> {
  const now = clock.now();
  const match = await live(db, userId, purpose, now).select('id').where('code_hash', '=', hashCode(code)).executeTakeFirst();
  return match ? 'ok' : countFailure(db, userId, purpose, now);
}

/**
 * Whether `code` is the user's own code of this purpose that has run out of time (not used,
 * not replaced by a newer one, not voided by wrong tries). Typing it proves it was received,
 * so the answer may say that it has expired; anything else gets the usual answer.
 */
export async function matchesExpiredCode(db: Db | Tx, userId: number, purpose: CodePurpose, code: string, clock: Clock): Promise<boolean> {
  const match = await db
    .selectFrom('one_time_code')
    .select('id')
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '<=', clock.now())
    .where('failed_attempts', '<', MAX_CODE_FAILURES)
    .where('code_hash', '=', hashCode(code))
    .executeTakeFirst();
  return match !== undefined;
}

/**
 * Uses a code up. One atomic UPDATE … RETURNING: of two simultaneous redemptions of the
 * same code exactly one gets the row.
 */
export async function redeemCode(db: Db | Tx, userId: number, purpose: CodePurpose, code: string, clock: Clock): Promise<CodeCheck> {
  const now = clock.now();
  const used = await db
    .updateTable('one_time_code')
    .set({ used_at: now })
    .where('id', 'in', live(db, userId, purpose, now).select('id').where('code_hash', '=', hashCode(code)))
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return used ? 'ok' : countFailure(db, userId, purpose, now);
}

/** Voids every live code of a user (after a password change). */
export async function voidCodes(db: Db | Tx, userId: number, clock: Clock): Promise<void> {
  await db
    .updateTable('one_time_code')
    .set({ voided_at: clock.now() })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
}
