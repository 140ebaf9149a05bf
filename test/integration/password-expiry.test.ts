import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/server/clock.ts';
import { parseConfig } from '../../src/lib/server/config.ts';
import { createDb } from '../../src/lib/server/database.ts';
import { sendExpiryNotices } from '../../src/lib/server/password-expiry.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { createMember } from '../helpers/users.ts';

const config = parseConfig({});
const DAY = 24 * 60 * 60_000;

describe('password expiry notices', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());

  const notices = (email: string) =>
    t.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('subject', 'like', '%går snart ut%').execute();

  it('mails 30, 7 and 1 days ahead, once each, even with two instances running at once', async () => {
    const user = await createMember(t.db, { username: 'ex0001', password: 'ett lösenord som åldras', passwordChangedAt: new Date('2025-07-01T10:00:00Z') });
    const clock = new ManualClock('2026-05-31T10:00:00Z');
    const other = createDb(t.url, 2);
    try {
      const run = () => Promise.all([sendExpiryNotices(t.db, config, clock), sendExpiryNotices(other, config, clock)]);
      await run();
      expect(await notices(user.email)).toHaveLength(0);
      clock.set('2026-06-02T10:00:00Z');
      await run();
      await run();
      expect(await notices(user.email)).toHaveLength(1);
      expect((await notices(user.email))[0].text_body).toContain('1 juli 2026');
      clock.set('2026-06-25T10:00:00Z');
      await run();
      clock.set('2026-06-30T12:00:00Z');
      await run();
      await run();
      expect(await notices(user.email)).toHaveLength(3);
      clock.set('2026-07-02T10:00:00Z');
      await run();
      expect(await notices(user.email)).toHaveLength(3);
    } finally {
      await other.destroy();
    }
  });

  it('sends only the nearest notice to someone who enters several periods at once', async () => {
    const user = await createMember(t.db, { username: 'ex0002', password: 'ett annat lösenord som åldras', passwordChangedAt: new Date(Date.UTC(2025, 6, 1)) });
    const clock = new ManualClock(new Date(Date.UTC(2026, 6, 1) - 5 * DAY));
    await sendExpiryNotices(t.db, config, clock);
    expect(await notices(user.email)).toHaveLength(1);
  });
});

describe('the event log', () => {
  it('keeps rows for the configured retention period only', async () => {
    const { pruneAudit, recordAudit } = await import('../../src/lib/server/audit.ts');
    const t = await freshDatabase();
    try {
      await recordAudit(t.db, { event: 'gammal', at: new Date('2023-01-01T00:00:00Z') });
      await recordAudit(t.db, { event: 'ny', at: new Date('2026-06-01T00:00:00Z') });
      expect(await pruneAudit(t.db, 24, new Date('2026-07-01T00:00:00Z'))).toBe(1);
      expect((await t.db.selectFrom('audit_event').select('event').execute()).map((row) => row.event)).toEqual(['ny']);
    } finally {
      await t.drop();
    }
  });
});
