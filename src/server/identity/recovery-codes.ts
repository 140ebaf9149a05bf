import { createHash, randomBytes } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';

/**
 * Recovery codes: ten single-use codes for the day the phone is lost, shown once, kept
 * only as SHA-256 hashes. A code has 60 random bits and the second step counts every wrong
 * one towards the lock, so a plain hash is enough (no slow hash needed).
 */
export const RECOVERY_CODE_COUNT = 10;

/** Lower case, no spaces or dashes: "ABCD-efgh ijkl" is the same code as "abcdefghijkl". */
const normalize = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
const hashCode = (code: string) => createHash('sha256').update(normalize(code)).digest();

/** A fresh code as it is shown: three groups of four. */
function newCode(): string {
  const text = encodeBase32LowerCaseNoPadding(randomBytes(8)).slice(0, 12);
  return `${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8, 12)}`;
}

/** Makes ten new codes and voids every earlier one; returns them, the only time they exist in clear. */
export async function replaceRecoveryCodes(trx: Db | Tx, userId: number, clock: Clock): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await trx.deleteFrom('recovery_code').where('user_id', '=', userId).execute();
  await trx
    .insertInto('recovery_code')
    .values(codes.map((code) => ({ user_id: userId, code_hash: hashCode(code), created_at: clock.now() })))
    .execute();
  return codes;
}

/** Whether the user has ever been given codes (used or not). */
export async function hasRecoveryCodes(db: Db | Tx, userId: number): Promise<boolean> {
  const row = await db.selectFrom('recovery_code').select('user_id').where('user_id', '=', userId).limit(1).executeTakeFirst();
  return !!row;
}

/** How many of the user's codes are still unused. */
export async function unusedRecoveryCodes(db: Db | Tx, userId: number): Promise<number> {
  const row = await db
    .selectFrom('recovery_code')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Uses a code: the UPDATE marks it used only while it is unused, so of two simultaneous uses
 * exactly one succeeds. Returns how many remain, or null for a wrong or used code.
 */
export async function redeemRecoveryCode(trx: Db | Tx, userId: number, code: string, clock: Clock): Promise<number | null> {
  const used = await trx
    .updateTable('recovery_code')
    .set({ used_at: clock.now() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashCode(code))
    .where('used_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst();
  return used ? unusedRecoveryCodes(trx, userId) : null;
}

export async function deleteRecoveryCodes(trx: Db | Tx, userId: number): Promise<number> {
  const result = await trx.deleteFrom('recovery_code').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
