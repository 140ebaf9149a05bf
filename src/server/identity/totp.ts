import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { encodeBase32NoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP, verifyHOTP } from '@oslojs/otp';
import { sql } from 'kysely';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';

/**
 * Codes from an authenticator app (TOTP, RFC 6238): SHA-1, six digits, 30-second steps,
 * as every common app reads them from a QR code. The shared secret is sealed with
 * SECRET_KEY (AES-256-GCM) before it reaches the database, so a copy of the database
 * alone cannot make codes.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** One step either side of now: a phone's clock a little off, or a code typed as it changed. */
const WINDOW = 1;
const SECRET_BYTES = 20;

// A key of its own for this purpose, derived from SECRET_KEY, so no other use of the key can decrypt secrets.
const sealKey = (secretKey: string) => createHash('sha256').update(`totp-secret-seal\u0000${secretKey}`).digest();

/** iv (12 bytes) ‖ tag (16 bytes) ‖ ciphertext. */
export function sealSecret(secret: Uint8Array, secretKey: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secretKey), iv);
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function openSecret(sealed: Buffer, secretKey: string): Uint8Array {
  const decipher = createDecipheriv('aes-256-gcm', sealKey(secretKey), sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]));
}

/** The step a time falls in. */
export const totpStep = (at: Date) => Math.floor(at.getTime() / (TOTP_PERIOD_SECONDS * 1000));

/** The code for a step (tests and the demo use it; the server only ever checks). */
export const totpCode = (secret: Uint8Array, step: number) => generateHOTP(secret, BigInt(step), TOTP_DIGITS);

/** Digits only: people type spaces, and some apps show the code as "123 456". */
export const normalizeTotp = (code: string) => code.replace(/[\s-]/g, '');

/** The step within the window whose code this is, or null. Every step is checked, in constant time each. */
export function matchingStep(secret: Uint8Array, code: string, clock: Clock): number | null {
  const typed = normalizeTotp(code);
  const now = totpStep(clock.now());
  let found: number | null = null;
  for (let step = now - WINDOW; step <= now + WINDOW; step++) {
    if (verifyHOTP(secret, BigInt(step), TOTP_DIGITS, typed) && found === null) found = step;
  }
  return found;
}

/** The key as a person types it into an app: base32 in groups of four. */
export const groupedKey = (secret: Uint8Array) => (encodeBase32NoPadding(secret).match(/.{1,4}/g) ?? []).join(' ');

/** What the QR code holds: the otpauth URI with the issuer and the account's name. */
export const keyUri = (secret: Uint8Array, issuer: string, account: string) => createTOTPKeyURI(issuer, account, secret, TOTP_PERIOD_SECONDS, TOTP_DIGITS);

export interface TotpFactorRow {
  confirmedAt: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The user's app, confirmed or waiting for its first code; undefined when there is none. */
export async function findTotp(db: Db | Tx, userId: number): Promise<TotpFactorRow | undefined> {
  const row = await db.selectFrom('totp_factor').select(['confirmed_at', 'created_at', 'last_used_at']).where('user_id', '=', userId).executeTakeFirst();
  return row && { confirmedAt: row.confirmed_at, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

/**
 * Starts adding an app: a new secret, waiting for its first code. A pending one is replaced;
 * a confirmed one is kept (one app per user): false then.
 */
export async function startTotp(db: Db, userId: number, secretKey: string, clock: Clock): Promise<boolean> {
  const sealed = sealSecret(randomBytes(SECRET_BYTES), secretKey);
  const row = await db
    .insertInto('totp_factor')
    .values({ user_id: userId, secret_sealed: sealed, created_at: clock.now() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_sealed: sealed, created_at: clock.now() }).where('totp_factor.confirmed_at', 'is', null))
    .returning('user_id')
    .executeTakeFirst();
  return !!row;
}

/** The secret of the app being added, to show as a QR code and as text; undefined when none waits. */
export async function pendingTotpSecret(db: Db, userId: number, secretKey: string): Promise<Uint8Array | undefined> {
  const row = await db.selectFrom('totp_factor').select('secret_sealed').where('user_id', '=', userId).where('confirmed_at', 'is', null).executeTakeFirst();
  return row ? openSecret(row.secret_sealed, secretKey) : undefined;
}

/** The first code from the new app: it now counts, and the code's step is used. */
export async function confirmTotp(db: Db | Tx, userId: number, code: string, secretKey: string, clock: Clock): Promise<'ok' | 'wrong' | 'none'> {
  const row = await db.selectFrom('totp_factor').select('secret_sealed').where('user_id', '=', userId).where('confirmed_at', 'is', null).executeTakeFirst();
  if (!row) return 'none';
  const step = matchingStep(openSecret(row.secret_sealed, secretKey), code, clock);
  if (step === null) return 'wrong';
  const now = clock.now();
  const done = await db
    .updateTable('totp_factor')
    .set({ confirmed_at: now, last_used_step: step, last_used_at: now })
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst();
  return done ? 'ok' : 'none';
}

/**
 * A code at the second step. Accepted once: its step must be later than the last one used,
 * and the UPDATE that records it checks that itself, so of two simultaneous uses of one
 * code exactly one succeeds.
 */
export async function useTotp(db: Db, userId: number, code: string, secretKey: string, clock: Clock): Promise<'ok' | 'wrong' | 'none'> {
  const row = await db.selectFrom('totp_factor').select('secret_sealed').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
  if (!row) return 'none';
  const step = matchingStep(openSecret(row.secret_sealed, secretKey), code, clock);
  if (step === null) return 'wrong';
  const used = await db
    .updateTable('totp_factor')
    .set({ last_used_step: step, last_used_at: clock.now() })
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .where(sql<boolean>`coalesce(last_used_step < ${step}, true)`)
    .returning('user_id')
    .executeTakeFirst();
  return used ? 'ok' : 'wrong';
}

/** Removes the user's app, confirmed or not. */
export async function deleteTotp(db: Db | Tx, userId: number): Promise<boolean> {
  const result = await db.deleteFrom('totp_factor').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
