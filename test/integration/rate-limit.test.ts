import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { createDb } from '#server/platform/database.ts';
import { hitLeasedLimit, hitLimit, pruneLimits } from '#server/platform/rate-limit.ts';
import { countingStatements, freshDatabase, type TestDatabase } from '../helpers/database.ts';

describe('rate limits in Postgres', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());

  it('allow up to the limit in a window, refuse after it, and allow again in the next window', async () => {
    const clock = new ManualClock('2026-05-01T10:00:00Z');
    const limit = { bucket: 'test', key: '192.0.2.1', max: 3, windowMs: 10 * MINUTE };
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await hitLimit(t.db, limit, clock));
    expect(results.map((result) => result.allowed)).toEqual([true, true, true, false]);
    expect(results[3].retryAfterSeconds).toBe(600);
    clock.advance(10 * MINUTE);
    expect((await hitLimit(t.db, limit, clock)).allowed).toBe(true);
  });

  it('count exactly under concurrency from two processes', async () => {
    const clock = new ManualClock('2026-05-01T11:00:00Z');
    const other = createDb(t.url, 5);
    try {
      const limit = { bucket: 'burst', key: 'anvandare', max: 10, windowMs: MINUTE };
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => hitLimit(i % 2 ? other : t.db, limit, clock)));
      expect(results.filter((result) => result.allowed)).toHaveLength(10);
      expect(results.map((result) => result.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    } finally {
      await other.destroy();
    }
  });

  it('store no raw key and prune old windows', async () => {
    const clock = new ManualClock('2026-05-01T12:00:00Z');
    await hitLimit(t.db, { bucket: 'secret', key: 'ab1234', max: 1, windowMs: MINUTE }, clock);
    const keys = (await t.db.selectFrom('rate_limit').select('key').execute()).map((row) => row.key);
    expect(keys).not.toContain('ab1234');
    clock.advance(2 * 24 * 60 * MINUTE);
    expect(await pruneLimits(t.db, clock)).toBeGreaterThan(0);
  });

  it('leased: allow exactly the limit in a window from one process, refuse after it, and allow again in the next window', async () => {
    const clock = new ManualClock('2026-05-01T13:00:00Z');
    for (const max of [3, 100, 5000]) {
      const limit = { bucket: 'leased', key: `one-${max}`, max, windowMs: 10 * MINUTE };
      const results = [];
      for (let i = 0; i < max + 3; i++) results.push(await hitLeasedLimit(t.db, limit, clock));
      expect(results.filter((result) => result.allowed)).toHaveLength(max);
      expect(results.slice(max).map((result) => result.allowed)).toEqual([false, false, false]);
      expect(results[max].retryAfterSeconds).toBe(600);
      clock.advance(10 * MINUTE);
      expect((await hitLeasedLimit(t.db, limit, clock)).allowed).toBe(true);
    }
  });

  it('leased: never allow more than the limit across processes, and count a small limit request by request', async () => {
    const clock = new ManualClock('2026-05-01T14:00:00Z');
    const others = [createDb(t.url, 3), createDb(t.url, 3)];
    try {
      for (const max of [10, 500]) {
        const limit = { bucket: 'leased-burst', key: `many-${max}`, max, windowMs: MINUTE };
        const processes = [t.db, ...others];
        const results = await Promise.all(Array.from({ length: 3 * max }, (_, i) => hitLeasedLimit(processes[i % 3], limit, clock)));
        const allowed = results.filter((result) => result.allowed).length;
        expect(allowed).toBeLessThanOrEqual(max);
        // Each process reserves less than one block it may not use: at most a sixteenth of the limit.
        expect(allowed).toBeGreaterThanOrEqual(max - 3 * Math.max(1, Math.floor(max / 16)));
        const row = await t.db
          .selectFrom('rate_limit')
          .select('count')
          .where('bucket', '=', 'leased-burst')
          .where('window_start', '=', clock.now())
          .executeTakeFirstOrThrow();
        expect(row.count).toBeGreaterThanOrEqual(max);
      }
      // A limit below 32 reserves one at a time: spread over processes, it allows exactly the limit.
      const small = { bucket: 'leased-small', key: 'spread', max: 7, windowMs: MINUTE };
      const statuses = [];
      for (let i = 0; i < 10; i++) statuses.push((await hitLeasedLimit([t.db, ...others][i % 3], small, clock)).allowed);
      expect(statuses).toEqual([true, true, true, true, true, true, true, false, false, false]);
    } finally {
      await Promise.all(others.map((db) => db.destroy()));
    }
  });

  it('leased: a busy client costs a statement per block, not per request', async () => {
    const clock = new ManualClock('2026-05-01T15:00:00Z');
    const { db: counted, count: statements } = countingStatements(t.db);
    const limit = { bucket: 'leased-busy', key: '198.51.100.1', max: 1_000_000, windowMs: MINUTE };
    const results = await Promise.all(Array.from({ length: 2000 }, () => hitLeasedLimit(counted, limit, clock)));
    expect(results.every((result) => result.allowed)).toBe(true);
    expect(statements()).toBeLessThan(50);
  });
});
