import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { createDb } from '#server/platform/database.ts';
import { sql } from 'kysely';
import { attemptLogin } from '#server/identity/login.ts';
import { passwordExpiresAt, passwordExpiresAtSql } from '#server/identity/users.ts';
import { sendExpiryNotices } from '#server/identity/password-expiry.ts';
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

  it('sends none to someone who turned the reminders off under Anpassa', async () => {
    const user = await createMember(t.db, {
      username: 'ex0003',
      password: 'ett tredje lösenord som åldras',
      passwordChangedAt: new Date(Date.UTC(2025, 6, 1)),
    });
    await t.db.updateTable('app_user').set({ mail_password_reminders: false }).where('id', '=', user.id).execute();
    await sendExpiryNotices(t.db, config, new ManualClock(new Date(Date.UTC(2026, 6, 1) - 5 * DAY)));
    expect(await notices(user.email)).toHaveLength(0);
  });
});

/**
 * One calendar for a password's lifetime: months added in Europe/Stockholm, the day
 * clamped to the month's end, the same in the login check (JS) and the notices (SQL).
 */
describe("a password's expiry on the calendar's edges", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());
  const PASSWORD = 'ett skottårslösenord som åldras';
  const noticeDays = async (id: number) =>
    (await t.db.selectFrom('app_user').select('expiry_notice_days').where('id', '=', id).executeTakeFirstOrThrow()).expiry_notice_days;

  it('lets a password set on 29 February expire on 28 February, in the notice and at login alike', async () => {
    const user = await createMember(t.db, { username: 'ex0003', password: PASSWORD, passwordChangedAt: new Date('2024-02-29T10:00:00Z') });
    const clock = new ManualClock('2025-02-27T10:30:00Z');
    await sendExpiryNotices(t.db, config, clock);
    expect(await noticeDays(user.id)).toBe(1);
    expect((await notices(user.email))[0].text_body).toContain('28 februari 2025');
    clock.set('2025-02-28T09:59:59Z');
    expect(await attemptLogin(t.db, 'ex0003', PASSWORD, { clock, config, client: '' })).toMatchObject({ kind: 'ok', passwordExpired: false });
    clock.set('2025-02-28T10:00:00Z');
    expect(await attemptLogin(t.db, 'ex0003', PASSWORD, { clock, config, client: '' })).toMatchObject({ kind: 'ok', passwordExpired: true });
  });

  it('keeps the Stockholm wall-clock time across a change to summer time, in the notice and at login alike', async () => {
    // 01:30 CET on 31 March 2024; twelve months on is 01:30 CEST on 31 March 2025 (23:30 UTC the day before).
    const user = await createMember(t.db, { username: 'ex0004', password: PASSWORD, passwordChangedAt: new Date('2024-03-31T00:30:00Z') });
    const clock = new ManualClock('2025-03-29T23:45:00Z');
    await sendExpiryNotices(t.db, config, clock);
    expect(await noticeDays(user.id)).toBe(1);
    clock.set('2025-03-30T23:29:59Z');
    expect(await attemptLogin(t.db, 'ex0004', PASSWORD, { clock, config, client: '' })).toMatchObject({ kind: 'ok', passwordExpired: false });
    clock.set('2025-03-30T23:30:00Z');
    expect(await attemptLogin(t.db, 'ex0004', PASSWORD, { clock, config, client: '' })).toMatchObject({ kind: 'ok', passwordExpired: true });
  });

  it('computes the same expiry in JS as in Postgres, on month ends and on days when the clocks change', async () => {
    const dates = [
      '2024-02-29T10:00:00Z', // leap day
      '2024-01-31T12:00:00Z', // month end
      '2024-03-31T00:30:00Z', // 01:30 in winter; a year on the clocks have gone forward
      '2024-03-30T01:30:00Z', // 02:30: a year on, a time that does not exist
      '2024-10-26T00:30:00Z', // 02:30: a year on, a time that occurs twice
      '2024-12-31T23:30:00Z', // already 1 January in Stockholm
    ];
    for (const months of [1, 6, 12, 13]) {
      for (const date of dates) {
        const changed = new Date(date);
        const row = await sql<{ expires: Date }>`select ${passwordExpiresAtSql(sql`${changed}::timestamptz`, months)} as expires`.execute(t.db);
        expect(row.rows[0].expires.toISOString(), `${date} + ${months} months`).toBe(passwordExpiresAt(changed, months)!.toISOString());
      }
    }
  });

  const notices = (email: string) =>
    t.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).where('subject', 'like', '%går snart ut%').execute();
});

describe('the event log', () => {
  it('keeps rows for the configured retention period only', async () => {
    const { pruneAudit, recordAudit } = await import('#server/platform/audit.ts');
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
