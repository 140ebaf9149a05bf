import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { createDb } from '#server/platform/database.ts';
import { attemptLogin, lockedUntil } from '#server/identity/login.ts';
import { verifications } from '#server/identity/password.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { createMember } from '../helpers/users.ts';

const config = parseConfig({});
const PASSWORD = 'en lång och hemlig mening';

describe('logging in', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  const context = () => ({ clock, config, client: '192.0.2.0' });
  beforeAll(async () => {
    t = await freshDatabase();
  });
  beforeEach(() => {
    clock = new ManualClock('2026-06-01T08:00:00Z');
  });
  afterAll(() => t.drop());

  it('lets the right password in and refuses a wrong one with the same answer as an unknown username', async () => {
    await createMember(t.db, { username: 'li0001', password: PASSWORD });
    expect(await attemptLogin(t.db, 'LI0001 ', PASSWORD, context())).toMatchObject({ kind: 'ok', passwordExpired: false });
    expect(await attemptLogin(t.db, 'li0001', 'fel lösenord helt och hållet', context())).toEqual({ kind: 'failed' });
    expect(await attemptLogin(t.db, 'zz9999', 'fel lösenord helt och hållet', context())).toEqual({ kind: 'failed' });
  });

  it('locks after more than the allowed failures, refuses even the right password while locked, and lets it in afterwards', async () => {
    const user = await createMember(t.db, { username: 'li0002', password: PASSWORD });
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await attemptLogin(t.db, 'li0002', `fel nummer ${i} av flera`, context())).kind);
    expect(outcomes).toEqual(['failed', 'failed', 'failed', 'locked']);
    const locked = await attemptLogin(t.db, 'li0002', PASSWORD, context());
    expect(locked).toEqual({ kind: 'locked', until: new Date('2026-06-01T08:30:00Z') });
    // Attempts during the lock do not extend it.
    clock.advance(29 * MINUTE);
    expect(await attemptLogin(t.db, 'li0002', PASSWORD, context())).toEqual({ kind: 'locked', until: new Date('2026-06-01T08:30:00Z') });
    clock.advance(MINUTE);
    expect(await attemptLogin(t.db, 'li0002', PASSWORD, context())).toMatchObject({ kind: 'ok' });
    const mail = await t.db.selectFrom('mail_outbox').select(['to_address', 'subject', 'text_body']).where('to_address', '=', user.email).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe('Ditt konto i Anordnarportalen är tillfälligt låst');
    expect(mail[0].text_body).toContain('/losenordskiosk');
    const events = await t.db.selectFrom('audit_event').select('event').where('subject_user_id', '=', user.id).orderBy('id').execute();
    expect(events.map((e) => e.event)).toEqual(['login.failed', 'login.failed', 'login.failed', 'login.locked']);
  });

  it('locks an unknown username exactly like a known one', async () => {
    const kinds = [];
    for (let i = 0; i < 5; i++) kinds.push((await attemptLogin(t.db, 'xx0000', `gissning nummer ${i} här`, context())).kind);
    expect(kinds).toEqual(['failed', 'failed', 'failed', 'locked', 'locked']);
  });

  it('checks at most four of twenty simultaneous wrong logins against the real hash, and the account ends up locked', async () => {
    await createMember(t.db, { username: 'li0003', password: PASSWORD });
    const before = { ...verifications };
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => attemptLogin(t.db, 'li0003', `fel lösenord nummer ${i}`, context())));
    expect(verifications.real - before.real).toBeLessThanOrEqual(4);
    expect(verifications.real - before.real + verifications.dummy - before.dummy).toBe(20);
    expect(outcomes.filter((o) => o.kind === 'locked').length).toBeGreaterThanOrEqual(16);
    expect(await lockedUntil(t.db, 'li0003', clock.now())).toEqual(new Date('2026-06-01T08:30:00Z'));
  });

  it('records exactly one login.locked event and one lock mail under 50 simultaneous wrong logins', async () => {
    const user = await createMember(t.db, { username: 'li0013', password: PASSWORD });
    const many = createDb(t.url, 25);
    // Each attempt reads the clock a moment later, as on a real server.
    let tick = 0;
    const ticking = { clock: { now: () => new Date(clock.now().getTime() + tick++) }, config, client: '192.0.2.0' };
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => attemptLogin(i % 2 ? many : t.db, 'li0013', `fel lösenord nummer ${i}`, ticking)),
      );
      expect(outcomes.filter((o) => o.kind === 'locked').length).toBeGreaterThanOrEqual(46);
    } finally {
      await many.destroy();
    }
    expect(await lockedUntil(t.db, 'li0013', clock.now())).not.toBeNull();
    const events = await t.db.selectFrom('audit_event').select('event').where('subject_user_id', '=', user.id).where('event', '=', 'login.locked').execute();
    expect(events).toHaveLength(1);
    const mails = await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', user.email).execute();
    expect(mails.map((m) => m.subject)).toEqual(['Ditt konto i Anordnarportalen är tillfälligt låst']);
  });

  it('runs the same statements for a wrong password whether or not the username exists, also when it locks', async () => {
    await createMember(t.db, { username: 'li0014', password: PASSWORD });
    const statements = async (username: string, tries: number) => {
      const seen: string[] = [];
      const table = (node: unknown): string => JSON.stringify(node).match(/"kind":"IdentifierNode","name":"(\w+)"/)?.[1] ?? '';
      const traced = t.db.withPlugin({
        transformQuery: (args) => {
          seen.push(`${args.node.kind} ${table(args.node)}`);
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const kinds = [];
      for (let i = 0; i < tries; i++) kinds.push((await attemptLogin(traced, username, `fel lösenord nummer ${i}`, context())).kind);
      return { kinds, seen };
    };
    const failedKnown = await statements('li0014', 1);
    const failedUnknown = await statements('li9914', 1);
    expect(failedKnown.kinds).toEqual(['failed']);
    expect(failedUnknown).toEqual(failedKnown);
    expect(failedKnown.seen).toContain('InsertQueryNode audit_event');
    const lockingKnown = await statements('li0014', 3);
    const lockingUnknown = await statements('li9914', 3);
    expect(lockingKnown.kinds).toEqual(['failed', 'failed', 'locked']);
    expect(lockingUnknown).toEqual(lockingKnown);
  });

  it('shares a lock between two app processes on one database', async () => {
    await createMember(t.db, { username: 'li0004', password: PASSWORD });
    const other = createDb(t.url, 2);
    try {
      for (let i = 0; i < 4; i++) await attemptLogin(t.db, 'li0004', `fel igen nummer ${i}`, context());
      expect((await attemptLogin(other, 'li0004', PASSWORD, context())).kind).toBe('locked');
    } finally {
      await other.destroy();
    }
  });

  it('costs exactly one argon2 verification on every path', async () => {
    await createMember(t.db, { username: 'li0005', password: PASSWORD });
    for (const [username, password] of [
      ['li0005', PASSWORD],
      ['li0005', 'fel fel fel fel fel'],
      ['qq1111', 'fel fel fel fel fel'],
    ]) {
      const before = verifications.real + verifications.dummy;
      await attemptLogin(t.db, username, password, context());
      expect(verifications.real + verifications.dummy - before).toBe(1);
    }
  });

  it('says the password has expired only after the right password, once it is older than the lifetime', async () => {
    await createMember(t.db, { username: 'li0006', password: PASSWORD, passwordChangedAt: new Date('2025-05-31T08:00:00Z') });
    expect(await attemptLogin(t.db, 'li0006', PASSWORD, context())).toMatchObject({ kind: 'ok', passwordExpired: true });
    expect(await attemptLogin(t.db, 'li0006', 'fel lösenord för li0006', context())).toEqual({ kind: 'failed' });
  });
});
