import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { systemClock, type Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';

export interface Limit {
  /** What is limited, e.g. `login-client` or `feedback`. */
  bucket: string;
  /** Who is limited: a client address, a username… (hashed before it is stored). */
  key: string;
  /** Requests allowed per window. */
  max: number;
  windowMs: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Requests counted in this window, this one included. */
  count: number;
  /** Seconds until the window ends: for a `Retry-After` header. */
  retryAfterSeconds: number;
}

/** How a limit's key is stored (also by the login, which counts its client in its own statement). */
export const hashLimitKey = (key: string) => createHash('sha256').update(key).digest('base64url');

/**
 * Counts one request against a fixed window and says whether it is within the limit.
 * One atomic upsert, so concurrent requests in any number of processes count exactly.
 */
export async function hitLimit(db: Db | Tx, limit: Limit, clock: Clock = systemClock): Promise<LimitResult> {
  const now = clock.now().getTime();
  const windowStart = new Date(now - (now % limit.windowMs));
  const row = await db
    .insertInto('rate_limit')
    .values({ bucket: limit.bucket, key: hashLimitKey(limit.key), window_start: windowStart, count: 1 })
    .onConflict((oc) => oc.columns(['bucket', 'key', 'window_start']).doUpdateSet({ count: sql`rate_limit.count + 1` }))
    .returning('count')
    .executeTakeFirstOrThrow();
  return {
    allowed: row.count <= limit.max,
    count: row.count,
    retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + limit.windowMs - now) / 1000)),
  };
}

/** Deletes windows that ended more than a day ago. */
export async function pruneLimits(db: Db, clock: Clock = systemClock): Promise<number> {
  const result = await db
    .deleteFrom('rate_limit')
    .where('window_start', '<', new Date(clock.now().getTime() - 24 * 60 * 60_000))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
