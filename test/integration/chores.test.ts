import { createAppContext } from '#server/platform/context.ts';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { startChores } from '#server/runtime/chores.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

/** A pino logger whose lines the test can read. */
function capturedLog() {
  const lines: { msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), messages: () => lines.map((line) => line.msg) };
}

describe('the chores every instance runs', () => {
  let t: TestDatabase;
  let chores: { stop(): void } | undefined;
  const config = parseConfig({});
  const publications = async () => (await t.db.selectFrom('register_publication').select('id').execute()).length;

  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t?.drop());
  // Only the chores' own timers are faked: the database driver keeps real I/O.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    chores?.stop();
    chores = undefined;
    vi.useRealTimers();
  });

  it('start with a run a second later that does every step: publishes the register and prunes what has expired', async () => {
    await t.db.deleteFrom('register_publication').execute();
    const expired = new Date(Date.now() - 60_000);
    await t.db.insertInto('captcha_redemption').values({ signature: 'utgangen', expires_at: expired }).execute();
    await t.db
      .insertInto('application_draft')
      .values({ id: 'utgangen', secret_hash: Buffer.alloc(32), data: '{}', expires_at: expired })
      .execute();
    const { log, messages } = capturedLog();

    const timers = vi.getTimerCount();
    chores = startChores(createAppContext(config, t.db, log));
    expect(vi.getTimerCount()).toBe(timers + 2);
    await vi.advanceTimersByTimeAsync(999);
    expect(messages()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(messages()).toContain('chores'), { timeout: 10_000 });

    expect(messages()).toEqual(['register published', 'chores']);
    expect(await publications()).toBe(1);
    expect(await t.db.selectFrom('captcha_redemption').select('signature').execute()).toEqual([]);
    expect(await t.db.selectFrom('application_draft').select('id').execute()).toEqual([]);
  });

  it('stop(): clears both timers, so nothing runs afterwards', async () => {
    const before = vi.getTimerCount();
    const { log, messages } = capturedLog();
    chores = startChores(createAppContext(config, t.db, log));
    expect(vi.getTimerCount()).toBe(before + 2);
    chores.stop();
    expect(vi.getTimerCount()).toBe(before);
    await t.db
      .insertInto('captcha_redemption')
      .values({ signature: 'kvar', expires_at: new Date(Date.now() - 60_000) })
      .execute();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    // A run would have pruned the row by now; give one a moment of real time to show itself.
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(messages()).toEqual([]);
    expect(await t.db.selectFrom('captcha_redemption').select('signature').execute()).toEqual([{ signature: 'kvar' }]);
  });
});
