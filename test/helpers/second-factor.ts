import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { ManualClock } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { replaceRecoveryCodes } from '#server/identity/recovery-codes.ts';
import { confirmTotp, pendingTotpSecret, startTotp, totpCode, totpStep } from '#server/identity/totp.ts';

/** The demo's SECRET_KEY (the app's default when none is set), which the test servers use too. */
export const TEST_SECRET_KEY = parseConfig({}).secretKey;

/**
 * Gives a user a confirmed authenticator app, as the enrolment would (its first code at
 * `at`, so that step is used), and ten recovery codes. Returns the secret and the codes.
 */
export async function enrolTotp(db: Db, userId: number, at = new Date(Date.now() - 60_000)): Promise<{ secret: Uint8Array; recoveryCodes: string[] }> {
  const clock = new ManualClock(at);
  await startTotp(db, userId, TEST_SECRET_KEY, clock);
  const secret = (await pendingTotpSecret(db, userId, TEST_SECRET_KEY))!;
  if ((await confirmTotp(db, userId, totpCode(secret, totpStep(at)), TEST_SECRET_KEY, clock)) !== 'ok') throw new Error('could not confirm the app');
  return { secret, recoveryCodes: await replaceRecoveryCodes(db, userId, clock) };
}

/** The app's code now, or `steps` steps from now (within the accepted window of one step either way). */
export const codeNow = (secret: Uint8Array, steps = 0, now = new Date()) => totpCode(secret, totpStep(now) + steps);

/** The secret from the key as the enrolment page shows it ("ABCD EFGH …"), as a person types it into an app. */
export const secretFromKeyText = (text: string) => decodeBase32IgnorePadding(text.replace(/\s/g, ''));
