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

/**
 * A process's share of a limit's window, taken from Postgres in blocks: requests are
 * counted against the block in memory, and only an empty block costs a statement.
 */
interface Lease {
  windowStart: number;
  /** Requests this process may still allow in the window without asking Postgres. */
  tokens: number;
  /** How many to reserve next: doubles while the client keeps using them, up to the cap. */
  block: number;
  /** The shared count reached the limit: refused until the window ends, without a statement. */
  exhausted: boolean;
  pending?: Promise<void>;
}

/** A leased limit knows no exact count: the shared one includes what other processes reserved. */
export type LeasedResult = Pick<LimitResult, 'allowed' | 'retryAfterSeconds'>;

// Leases per database (a test's second createDb stands for a second process), each bounded.
const leases = new WeakMap<Db | Tx, Map<string, Lease>>();
const MAX_LEASES = 10_000;
const MAX_BLOCK = 64;

/**
 * Like hitLimit, for a hot path: the same fixed window, counted in the same Postgres row,
 * so the limit holds across any number of processes, but reserved a block at a time. A
 * process adds a block (1, then 2, 4 … up to MAX_BLOCK, and never more than a sixteenth of
 * the limit) to the shared count and allows that many requests from memory; a limit of up
 * to 31 a window is thus counted one statement per request, exactly as hitLimit counts it.
 * The shared count includes reserved requests, so all processes together never allow more
 * than `max` in a window; a block a process reserved but did not use (its client went to
 * another process) only makes the limit stricter, by less than one block per process.
 * Once the shared count has reached the limit, the rest of the window is refused from
 * memory. Concurrent requests for the same key wait for one reservation.
 */
export function hitLeasedLimit(db: Db | Tx, limit: Limit, clock: Clock = systemClock): LeasedResult | Promise<LeasedResult> {
  const now = clock.now().getTime();
  const windowStart = now - (now % limit.windowMs);
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + limit.windowMs - now) / 1000));
  let byKey = leases.get(db);
  if (!byKey) {
    byKey = new Map();
    leases.set(db, byKey);
  }
  const id = `${limit.bucket}\u0000${limit.key}`;
  let lease = byKey.get(id);
  if (!lease || lease.windowStart !== windowStart) {
    byKey.delete(id);
    lease = { windowStart, tokens: 0, block: 1, exhausted: false };
    // Oldest first in the Map's order: dropping a lease only forgets requests this process could still have allowed.
    while (byKey.size >= MAX_LEASES) byKey.delete(byKey.keys().next().value!);
    byKey.set(id, lease);
  }
  if (lease.tokens > 0) {
    lease.tokens--;
    return { allowed: true, retryAfterSeconds };
  }
  if (lease.exhausted) return { allowed: false, retryAfterSeconds };
  if (!lease.pending) {
    const reserving = lease;
    reserving.pending = reserve(db, limit, reserving).finally(() => {
      reserving.pending = undefined;
    });
  }
  // Whatever the reservation brought, ask again: others waiting may have taken it, or the window may have ended.
  return lease.pending!.then(() => hitLeasedLimit(db, limit, clock));
}

async function reserve(db: Db | Tx, limit: Limit, lease: Lease): Promise<void> {
  const block = Math.min(lease.block, Math.max(1, Math.floor(limit.max / 16)));
  const row = await db
    .insertInto('rate_limit')
    .values({ bucket: limit.bucket, key: hashLimitKey(limit.key), window_start: new Date(lease.windowStart), count: block })
    .onConflict((oc) => oc.columns(['bucket', 'key', 'window_start']).doUpdateSet({ count: sql`rate_limit.count + ${block}` }))
    .returning('count')
    .executeTakeFirstOrThrow();
  const granted = Math.max(0, Math.min(block, limit.max - (row.count - block)));
  lease.tokens += granted;
  if (granted < block) lease.exhausted = true;
  else lease.block = Math.min(MAX_BLOCK, lease.block * 2);
}
