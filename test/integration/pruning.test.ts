import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, ManualClock, MINUTE } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { pruneExpired } from '#server/runtime/prune.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { createMember } from '../helpers/users.ts';

const config = parseConfig({ LOCKOUT_MINUTES: '30', SESSION_IDLE_MINUTES: '20', SESSION_ABSOLUTE_HOURS: '8' });

/** Every table that fills up by itself shrinks back when the chores run, and keeps what is still live. */
describe('periodic pruning', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());

  const keys = async (table: 'application_draft' | 'login_throttle' | 'user_session' | 'captcha_redemption' | 'rate_limit') => {
    const column = {
      application_draft: 'id',
      login_throttle: 'username_key',
      user_session: 'id',
      captcha_redemption: 'signature',
      rate_limit: 'bucket',
    } as const;
    const rows = await t.db
      .selectFrom(table)
      .select(`${column[table]} as key` as never)
      .execute();
    return rows.map((row) => (row as { key: string }).key).sort();
  };

  it('deletes expired drafts, stale throttles, ended sessions, spent captchas and old rate windows, and keeps the live ones', async () => {
    const clock = new ManualClock('2026-05-04T08:00:00Z');
    const start = clock.now().getTime();
    const at = (ms: number) => new Date(start + ms);
    const user = await createMember(t.db, { username: 'pr1001' });
    const bytes = Buffer.from('x');

    await t.db
      .insertInto('application_draft')
      .values([
        { id: 'draft-expires', secret_hash: bytes, data: '{}', expires_at: at(HOUR) },
        { id: 'draft-live', secret_hash: bytes, data: '{}', expires_at: at(48 * HOUR) },
      ])
      .execute();
    await t.db
      .insertInto('login_throttle')
      .values([
        { username_key: 'throttle-stale', attempts: 2, last_attempt_at: at(0), locked_until: null },
        { username_key: 'throttle-lock-ended', attempts: 4, last_attempt_at: at(0), locked_until: at(30 * MINUTE) },
        { username_key: 'throttle-locked', attempts: 4, last_attempt_at: at(3 * HOUR), locked_until: at(3 * HOUR + 30 * MINUTE) },
        { username_key: 'throttle-recent', attempts: 1, last_attempt_at: at(3 * HOUR), locked_until: null },
      ])
      .execute();
    await t.db
      .insertInto('user_session')
      .values([
        { id: 'session-idle', user_id: user.id, secret_hash: bytes, created_at: at(0), last_used_at: at(0) },
        { id: 'session-absolute', user_id: user.id, secret_hash: bytes, created_at: at(-6 * HOUR), last_used_at: at(3 * HOUR) },
        { id: 'session-live', user_id: user.id, secret_hash: bytes, created_at: at(2 * HOUR), last_used_at: at(3 * HOUR) },
      ])
      .execute();
    await t.db
      .insertInto('captcha_redemption')
      .values([
        { signature: 'captcha-spent', expires_at: at(HOUR) },
        { signature: 'captcha-live', expires_at: at(5 * HOUR) },
      ])
      .execute();
    await t.db
      .insertInto('rate_limit')
      .values([
        { bucket: 'rate-old', key: 'k', window_start: at(-24 * HOUR), count: 3 },
        { bucket: 'rate-current', key: 'k', window_start: at(3 * HOUR), count: 3 },
      ])
      .execute();

    // Nothing has ended yet: a run now keeps every row.
    await pruneExpired(t.db, config, clock);
    expect(await keys('application_draft')).toEqual(['draft-expires', 'draft-live']);
    expect(await keys('login_throttle')).toHaveLength(4);
    expect(await keys('user_session')).toHaveLength(3);

    clock.advance(3 * HOUR + 10 * MINUTE);
    const pruned = await pruneExpired(t.db, config, clock);

    expect(await keys('application_draft')).toEqual(['draft-live']);
    expect(await keys('login_throttle')).toEqual(['throttle-locked', 'throttle-recent']);
    expect(await keys('user_session')).toEqual(['session-live']);
    expect(await keys('captcha_redemption')).toEqual(['captcha-live']);
    expect(await keys('rate_limit')).toEqual(['rate-current']);
    expect(pruned).toMatchObject({ drafts: 1, throttles: 2, sessions: 2, captchas: 1, rateLimits: 1 });
  });
});
