import { createChallenge, verifySolution, type Challenge, type Payload } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';

/**
 * A captcha that asks nothing of the person (WCAG 2.2 SC 3.3.8): the browser proves a
 * little work (ALTCHA, SHA-256), the server checks it and accepts each proof once.
 * Never a replacement for the rate limits, which carry the load when JavaScript is off.
 */
const LIFETIME_MS = 10 * 60_000;
// About 65 000 SHA-256 rounds on average: a moment for a person, a cost for a bot farm.
const KEY_PREFIX = '0000';

export async function createCaptcha(secret: string, clock: Clock): Promise<Challenge> {
  return createChallenge({
    algorithm: 'SHA-256',
    cost: 1,
    deriveKey,
    keyPrefix: KEY_PREFIX,
    expiresAt: new Date(clock.now().getTime() + LIFETIME_MS),
    hmacSignatureSecret: secret,
  });
}

export type CaptchaCheck = 'missing' | 'ok' | 'invalid' | 'used';

/** Checks the widget's payload (base64 JSON) and records it, so that one proof opens one post. */
export async function checkCaptcha(db: Db, payload: string | undefined, secret: string, clock: Clock): Promise<CaptchaCheck> {
  if (!payload) return 'missing';
  let decoded: Payload;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as Payload;
    if (!decoded?.challenge?.signature || !decoded.solution) return 'invalid';
  } catch {
    return 'invalid';
  }
  const result = await verifySolution({ challenge: decoded.challenge, solution: decoded.solution, deriveKey, hmacSignatureSecret: secret }).catch(
    () => undefined,
  );
  if (!result?.verified) return 'invalid';
  const redeemed = await db
    .insertInto('captcha_redemption')
    .values({ signature: decoded.challenge.signature, expires_at: new Date(clock.now().getTime() + LIFETIME_MS) })
    .onConflict((oc) => oc.column('signature').doNothing())
    .returning('signature')
    .executeTakeFirst();
  return redeemed ? 'ok' : 'used';
}
