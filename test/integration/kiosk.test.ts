import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { createDb } from '#server/platform/database.ts';
import { readTicket } from '#server/kiosk/ticket.ts';
import { changeOwnPassword, enterCode, enterCodeForUsername, requestReset, setNewPassword, startChange } from '#server/kiosk/kiosk.ts';
import { attemptLogin } from '#server/identity/login.ts';
import { issueCode, redeemCode } from '#server/identity/one-time-code.ts';
import { createSession } from '#server/identity/session.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { createMember } from '../helpers/users.ts';

const config = parseConfig({});
const OLD = 'gamla lösenordet som fungerar';
const NEW = 'nya lösenordet är mycket bättre';
const limits = { idleMs: 20 * MINUTE, absoluteMs: 8 * 60 * MINUTE };

describe('the password kiosk', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  const context = () => ({ clock, config, client: '' });
  const codeFromMail = async (email: string) => {
    const mail = await t.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', email).orderBy('id', 'desc').executeTakeFirstOrThrow();
    return /Din kod är: (\d{8})/.exec(mail.text_body)![1];
  };
  beforeAll(async () => {
    t = await freshDatabase();
  });
  beforeEach(() => {
    clock = new ManualClock('2026-06-01T08:00:00Z');
  });
  afterAll(() => t.drop());

  it('resets a forgotten password with the mailed code, ends every session, lifts the lock and mails the owner', async () => {
    const user = await createMember(t.db, { username: 'ki0001', password: OLD });
    await createSession(t.db, user.id, clock, limits);
    for (let i = 0; i < 4; i++) await attemptLogin(t.db, 'ki0001', `fel lösenord nummer ${i}`, context());
    const { ticket: codeTicket } = await requestReset(t.db, 'ki0001', context());
    const ticket = (await readTicket(t.db, codeTicket, 'code', clock))!;
    const code = await codeFromMail(user.email);
    const entered = await enterCode(t.db, ticket, code, context());
    expect(entered.kind).toBe('ok');
    const passwordTicket = (await readTicket(t.db, (entered as { ticket: string }).ticket, 'new_password', clock))!;
    expect(await setNewPassword(t.db, passwordTicket, NEW, NEW, context())).toEqual({ kind: 'ok', sessionsEnded: 1 });
    expect(await t.db.selectFrom('user_session').where('user_id', '=', user.id).selectAll().execute()).toEqual([]);
    expect((await attemptLogin(t.db, 'ki0001', NEW, context())).kind).toBe('ok');
    const subjects = (await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', user.email).execute()).map((m) => m.subject);
    expect(subjects).toContain('Ditt lösenord har ändrats');
    // The ticket and the code were single use.
    expect(await setNewPassword(t.db, passwordTicket, 'ett tredje lösenord här', 'ett tredje lösenord här', context())).toEqual({ kind: 'expired' });
  });

  it('answers an unknown username exactly like a known one and mails nobody', async () => {
    const before = await t.db
      .selectFrom('mail_outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const { ticket } = await requestReset(t.db, 'okand1', context());
    expect(ticket).toMatch(/^[\w-]+\.[\w-]+$/);
    const read = (await readTicket(t.db, ticket, 'code', clock))!;
    const kinds = [];
    for (let i = 0; i < 6; i++) kinds.push((await enterCode(t.db, read, '12345678', context())).kind);
    expect(kinds).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'wrong', 'void']);
    expect(
      await t.db
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow(),
    ).toEqual(before);
  });

  it('voids a code after five wrong tries, and a new code starts with its own count', async () => {
    const user = await createMember(t.db, { username: 'ki0002', password: OLD });
    await requestReset(t.db, 'ki0002', context());
    const first = await codeFromMail(user.email);
    const kinds = [];
    for (let i = 0; i < 5; i++) kinds.push(await redeemCode(t.db, user.id, 'reset', '00000000', clock));
    expect(kinds).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'void']);
    expect(await redeemCode(t.db, user.id, 'reset', first, clock)).toBe('void');
    await requestReset(t.db, 'ki0002', context());
    const code = await codeFromMail(user.email);
    for (let i = 0; i < 4; i++) expect(await redeemCode(t.db, user.id, 'reset', '00000000', clock)).toBe('wrong');
    expect(await redeemCode(t.db, user.id, 'reset', code, clock)).toBe('ok');
  });

  it('lets the owner in with a newly ordered code after an attacker spent five wrong codes', async () => {
    const user = await createMember(t.db, { username: 'ki0105', password: OLD });
    const attacker = (await readTicket(t.db, (await requestReset(t.db, 'ki0105', context())).ticket, 'code', clock))!;
    const kinds = [];
    for (let i = 0; i < 5; i++) kinds.push((await enterCode(t.db, attacker, String(10_000_000 + i), context())).kind);
    expect(kinds.slice(0, 4)).toEqual(['wrong', 'wrong', 'wrong', 'wrong']);
    clock.advance(MINUTE);
    const owner = (await readTicket(t.db, (await requestReset(t.db, 'ki0105', context())).ticket, 'code', clock))!;
    const entered = await enterCode(t.db, owner, await codeFromMail(user.email), context());
    expect(entered.kind).toBe('ok');
  });

  it('lets a code expire after its lifetime', async () => {
    const user = await createMember(t.db, { username: 'ki0003', password: OLD });
    await requestReset(t.db, 'ki0003', context());
    const code = await codeFromMail(user.email);
    clock.advance(config.rules.resetCodeMinutes * MINUTE);
    expect(await redeemCode(t.db, user.id, 'reset', code, clock)).toBe('void');
  });

  it('redeems a code redeemed twice at the same moment exactly once', async () => {
    const user = await createMember(t.db, { username: 'ki0004', password: OLD });
    const other = createDb(t.url, 2);
    try {
      for (let round = 0; round < 5; round++) {
        const { code } = await t.db.transaction().execute((trx) => issueCode(trx, user.id, 'reset', 30 * MINUTE, clock));
        const results = await Promise.all([redeemCode(t.db, user.id, 'reset', code, clock), redeemCode(other, user.id, 'reset', code, clock)]);
        expect(results.filter((result) => result === 'ok')).toHaveLength(1);
      }
    } finally {
      await other.destroy();
    }
  });

  it('takes a new user from the one-time password to a password of their own', async () => {
    const user = await createMember(t.db, { username: 'ki0005' });
    const { code } = await t.db.transaction().execute((trx) => issueCode(trx, user.id, 'first_login', 7 * 24 * 60 * MINUTE, clock));
    expect((await attemptLogin(t.db, 'ki0005', code, context())).kind).toBe('failed');
    const started = await startChange(t.db, 'ki0005', code.toLowerCase().replace(/-/g, ' '), context());
    expect(started.kind).toBe('ok');
    const ticket = (await readTicket(t.db, (started as { ticket: string }).ticket, 'new_password', clock))!;
    expect(ticket.reason).toBe('first_login');
    expect(await setNewPassword(t.db, ticket, 'kort', 'kort', context())).toEqual({ kind: 'invalid', problem: 'tooShort' });
    expect(await setNewPassword(t.db, ticket, NEW, `${NEW}!`, context())).toEqual({ kind: 'invalid', problem: 'mismatch' });
    // A brand-new user had no sessions to end: the done page must not say it ended any.
    expect(await setNewPassword(t.db, ticket, NEW, NEW, context())).toEqual({ kind: 'ok', sessionsEnded: 0 });
    expect((await startChange(t.db, 'ki0005', code, context())).kind).toBe('failed');
  });

  it('refuses the current password as the new one', async () => {
    await createMember(t.db, { username: 'ki0006', password: OLD });
    const started = await startChange(t.db, 'ki0006', OLD, context());
    const ticket = (await readTicket(t.db, (started as { ticket: string }).ticket, 'new_password', clock))!;
    expect(await setNewPassword(t.db, ticket, OLD, OLD, context())).toEqual({ kind: 'invalid', problem: 'sameAsCurrent' });
  });

  it('takes the code with the username in a browser that never asked for it (the e-mail read on the phone)', async () => {
    const user = await createMember(t.db, { username: 'ki0007', password: OLD });
    await requestReset(t.db, 'ki0007', context());
    const code = await codeFromMail(user.email);
    expect((await enterCodeForUsername(t.db, 'ki0007', '00000000', context())).kind).toBe('wrong');
    const entered = await enterCodeForUsername(t.db, ' KI0007 ', code, context());
    expect(entered.kind).toBe('ok');
    const ticket = (await readTicket(t.db, (entered as { ticket: string }).ticket, 'new_password', clock))!;
    expect(ticket.user_id).toBe(user.id);
    expect((await setNewPassword(t.db, ticket, NEW, NEW, context())).kind).toBe('ok');
    // Used once: the same code does not open another step.
    expect((await enterCodeForUsername(t.db, 'ki0007', code, context())).kind).toBe('wrong');
  });

  it('says that a code has run out only to whoever types that very code', async () => {
    const user = await createMember(t.db, { username: 'ki0011', password: OLD });
    await requestReset(t.db, 'ki0011', context());
    const code = await codeFromMail(user.email);
    clock.advance(config.rules.resetCodeMinutes * MINUTE);
    expect((await enterCodeForUsername(t.db, 'ki0011', '00000000', context())).kind).toBe('wrong');
    expect((await enterCodeForUsername(t.db, 'ki0011', code, context())).kind).toBe('expired');
  });

  it('answers an unknown username, a user without a code and a wrong code alike, and stops after ten tries an hour', async () => {
    await createMember(t.db, { username: 'ki0008', password: OLD });
    const answers = async (username: string) => {
      const kinds = [];
      for (let i = 0; i < 11; i++) kinds.push((await enterCodeForUsername(t.db, username, String(20_000_000 + i), context())).kind);
      return kinds;
    };
    const expected = [...Array(10).fill('wrong'), 'void'];
    expect(await answers('okand2')).toEqual(expected);
    expect(await answers('ki0008')).toEqual(expected);
    clock.advance(61 * MINUTE);
    expect((await enterCodeForUsername(t.db, 'ki0008', '12345678', context())).kind).toBe('wrong');
  });

  it("refuses easily guessed passwords, also those built from the user's own name", async () => {
    await createMember(t.db, { username: 'ki0009', password: OLD });
    await t.db.updateTable('app_user').set({ first_name: 'Kerstin', last_name: 'Lindqvist' }).where('username', '=', 'ki0009').execute();
    for (const weak of ['password123456789', 'KerstinLindqvist1975', 'kerstin lindqvist 2026']) {
      const started = await startChange(t.db, 'ki0009', OLD, context());
      const ticket = (await readTicket(t.db, (started as { ticket: string }).ticket, 'new_password', clock))!;
      expect(await setNewPassword(t.db, ticket, weak, weak, context())).toEqual({ kind: 'invalid', problem: 'guessable' });
    }
  });

  it("changes a signed-in user's password with the current one and ends only the other sessions", async () => {
    const user = await createMember(t.db, { username: 'ki0010', password: OLD });
    const here = await createSession(t.db, user.id, clock, limits);
    await createSession(t.db, user.id, clock, limits);
    const signedIn = { userId: user.id, sessionId: here.session.id };
    expect((await changeOwnPassword(t.db, signedIn, 'fel nuvarande lösenord', NEW, NEW, context())).kind).toBe('failed');
    expect(await changeOwnPassword(t.db, signedIn, OLD, 'password123456789', 'password123456789', context())).toEqual({
      kind: 'invalid',
      problem: 'guessable',
    });
    expect(await changeOwnPassword(t.db, signedIn, OLD, NEW, NEW, context())).toEqual({ kind: 'ok', sessionsEnded: 1 });
    const left = await t.db.selectFrom('user_session').select('id').where('user_id', '=', user.id).execute();
    expect(left.map((row) => row.id)).toEqual([here.session.id]);
    expect((await attemptLogin(t.db, 'ki0010', NEW, context())).kind).toBe('ok');
    const audit = await t.db.selectFrom('audit_event').select('event').where('subject_user_id', '=', user.id).where('event', '=', 'password.changed').execute();
    expect(audit).toHaveLength(1);
  });
});
