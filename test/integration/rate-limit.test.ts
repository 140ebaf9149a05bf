import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { createDb } from '#server/platform/database.ts';
import { hitLimit, pruneLimits } from '#server/platform/rate-limit.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

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
});
