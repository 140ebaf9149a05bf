import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { readTicket } from '#server/kiosk/ticket.ts';
import { enterCode, requestReset, setNewPassword } from '#server/kiosk/kiosk.ts';
import { attemptLogin, lockedUntil } from '#server/identity/login.ts';
import { factorOverview, secondStep } from '#server/identity/second-factor.ts';
import { createSession, hasSecondFactor } from '#server/identity/session.ts';
import { findSignedInUser, findUserById, type User } from '#server/identity/users.ts';
import { totpCode, totpStep } from '#server/identity/totp.ts';
import { countingStatements, freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { enrolTotp } from '../helpers/second-factor.ts';
import { createMember } from '../helpers/users.ts';

const config = parseConfig({ LOCKOUT_MAX_FAILURES: '3' });
const PASSWORD = 'ett långt och hemligt lösenord';
const limits = { idleMs: 20 * MINUTE, absoluteMs: 8 * 60 * MINUTE };

describe('the second factor', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  const context = () => ({ clock, config, client: '192.0.2.0' });
  const session = async (user: User) => (await createSession(t.db, user.id, clock, limits)).session;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  beforeEach(() => {
    clock = new ManualClock('2026-06-01T08:00:00Z');
  });
  afterAll(() => t.drop());

  it('accepts a code from the app once: the same code, or an earlier one, is refused afterwards', async () => {
    const user = await createMember(t.db, { username: 'tf0001', password: PASSWORD });
    // Enrolled a minute ago: that step is used.
    const { secret } = await enrolTotp(t.db, user.id, new Date(clock.now().getTime() - MINUTE));
    const now = totpStep(clock.now());
    const first = await session(user);
    expect(hasSecondFactor(first)).toBe(false);
    expect(await secondStep(t.db, user, first.id, { kind: 'totp', code: totpCode(secret, now) }, context())).toEqual({ kind: 'ok' });
    const row = await t.db.selectFrom('user_session').select('amr').where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(row.amr.sort()).toEqual(['otp', 'pwd']);

    // The same code in another login, within its 30 seconds: refused.
    const second = await session(user);
    expect(await secondStep(t.db, user, second.id, { kind: 'totp', code: totpCode(secret, now) }, context())).toEqual({ kind: 'failed' });
    // The step before (inside the window, but earlier than the one used): refused.
    expect(await secondStep(t.db, user, second.id, { kind: 'totp', code: totpCode(secret, now - 1) }, context())).toEqual({ kind: 'failed' });
    // Two steps ahead is outside the window.
    expect(await secondStep(t.db, user, second.id, { kind: 'totp', code: totpCode(secret, now + 2) }, context())).toEqual({ kind: 'failed' });
    // The next step's code (a phone clock a little fast) is accepted once.
    expect(await secondStep(t.db, user, second.id, { kind: 'totp', code: totpCode(secret, now + 1) }, context())).toEqual({ kind: 'ok' });
    // Thirty seconds on, the code of the new step has been used already.
    clock.advance(30_000);
    expect(await secondStep(t.db, user, second.id, { kind: 'totp', code: totpCode(secret, now + 1) }, context())).toEqual({ kind: 'failed' });
    clock.advance(30_000);
    expect(await secondStep(t.db, user, second.id, { kind: 'totp', code: totpCode(secret, now + 2) }, context())).toEqual({ kind: 'ok' });
  });

  it('accepts one of ten simultaneous uses of the same code', async () => {
    const user = await createMember(t.db, { username: 'tf0002', password: PASSWORD });
    const { secret } = await enrolTotp(t.db, user.id, new Date(clock.now().getTime() - MINUTE));
    const code = totpCode(secret, totpStep(clock.now()));
    const sessions = await Promise.all(Array.from({ length: 10 }, () => session(user)));
    const results = await Promise.all(sessions.map((s) => secondStep(t.db, user, s.id, { kind: 'totp', code }, context())));
    expect(results.filter((result) => result.kind === 'ok')).toHaveLength(1);
  });

  it('locks after three wrong codes and one wrong password exactly as after four wrong passwords', async () => {
    const withApp = await createMember(t.db, { username: 'tf0003', password: PASSWORD });
    const { secret } = await enrolTotp(t.db, withApp.id, new Date(clock.now().getTime() - MINUTE));
    await createMember(t.db, { username: 'tf0004', password: PASSWORD });

    expect((await attemptLogin(t.db, 'tf0003', PASSWORD, context())).kind).toBe('ok');
    const half = await session(withApp);
    const codes = [];
    for (const code of ['000000', '111111', '222222']) codes.push((await secondStep(t.db, withApp, half.id, { kind: 'totp', code }, context())).kind);
    expect(codes).toEqual(['failed', 'failed', 'failed']);
    const mixed = await attemptLogin(t.db, 'tf0003', 'fel lösenord den här gången', context());

    const passwords = [];
    for (let i = 0; i < 4; i++) passwords.push(await attemptLogin(t.db, 'tf0004', `fel lösenord nummer ${i}`, context()));
    expect(passwords.map((outcome) => outcome.kind)).toEqual(['failed', 'failed', 'failed', 'locked']);
    expect(mixed).toEqual(passwords[3]);
    expect(await lockedUntil(t.db, 'tf0003', clock.now())).toEqual(new Date('2026-06-01T08:30:00Z'));

    // While locked even the right code is refused, with the lock's end; afterwards it works.
    const right = totpCode(secret, totpStep(clock.now()));
    expect(await secondStep(t.db, withApp, half.id, { kind: 'totp', code: right }, context())).toEqual({
      kind: 'locked',
      until: new Date('2026-06-01T08:30:00Z'),
    });
    clock.advance(30 * MINUTE);
    const later = await session(withApp);
    expect(await secondStep(t.db, withApp, later.id, { kind: 'totp', code: totpCode(secret, totpStep(clock.now())) }, context())).toEqual({ kind: 'ok' });
    // The owner was told once, as for a password lock.
    const mails = await t.db.selectFrom('mail_outbox').select('subject').where('to_address', '=', withApp.email).execute();
    expect(mails.filter((mail) => mail.subject === 'Ditt konto i Anordnarportalen är tillfälligt låst')).toHaveLength(1);
  });

  it('does not give back the wrong codes when the right password comes in between', async () => {
    const user = await createMember(t.db, { username: 'tf0005', password: PASSWORD });
    await enrolTotp(t.db, user.id, new Date(clock.now().getTime() - MINUTE));
    const kinds = [];
    for (let round = 0; round < 2; round++) {
      kinds.push((await attemptLogin(t.db, 'tf0005', PASSWORD, context())).kind);
      const half = await session(user);
      for (const code of ['000000', '111111']) kinds.push((await secondStep(t.db, user, half.id, { kind: 'totp', code }, context())).kind);
    }
    // Two rounds of the right password and two wrong codes: the fourth wrong code locks.
    expect(kinds).toEqual(['ok', 'failed', 'failed', 'ok', 'failed', 'locked']);
  });

  it('takes a recovery code once, tells the owner by e-mail with how many remain, and marks the session', async () => {
    const user = await createMember(t.db, { username: 'tf0006', password: PASSWORD });
    const { recoveryCodes } = await enrolTotp(t.db, user.id, new Date(clock.now().getTime() - MINUTE));
    const first = await session(user);
    // Typed in capitals and without the dashes: the same code.
    const typed = recoveryCodes[3].toUpperCase().replaceAll('-', ' ');
    expect(await secondStep(t.db, user, first.id, { kind: 'recovery', code: typed }, context())).toEqual({ kind: 'ok' });
    const row = await t.db.selectFrom('user_session').select('amr').where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(row.amr.sort()).toEqual(['otp', 'pwd']);
    const second = await session(user);
    expect(await secondStep(t.db, user, second.id, { kind: 'recovery', code: recoveryCodes[3] }, context())).toEqual({ kind: 'failed' });
    expect((await factorOverview(t.db, user.id)).recoveryUnused).toBe(9);
    const mail = await t.db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', user.email).execute();
    expect(mail.map((m) => m.subject)).toContain('En reservkod har använts för att logga in');
    expect(mail.find((m) => m.subject.startsWith('En reservkod'))!.text_body).toContain('Du har 9 oanvända reservkoder kvar.');
    for (const text of mail.map((m) => m.text_body)) expect(text).not.toContain(recoveryCodes[3]);
  });

  it('keeps the app through a password reset in the kiosk: the next login still asks for it', async () => {
    const user = await createMember(t.db, { username: 'tf0007', password: PASSWORD });
    await enrolTotp(t.db, user.id, new Date(clock.now().getTime() - MINUTE));
    const { ticket: codeTicket } = await requestReset(t.db, 'tf0007', context());
    const mail = await t.db.selectFrom('mail_outbox').select('text_body').where('to_address', '=', user.email).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const code = /Din kod är: (\d{8})/.exec(mail.text_body)![1];
    const entered = await enterCode(t.db, (await readTicket(t.db, codeTicket, 'code', clock))!, code, context());
    const passwordTicket = (await readTicket(t.db, (entered as { ticket: string }).ticket, 'new_password', clock))!;
    const fresh = 'ett helt nytt lösenord för kontot';
    expect((await setNewPassword(t.db, passwordTicket, fresh, fresh, context())).kind).toBe('ok');
    expect((await factorOverview(t.db, user.id)).enrolled).toBe(true);
    expect((await attemptLogin(t.db, 'tf0007', fresh, context())).kind).toBe('ok');
    expect((await findSignedInUser(t.db, user.id))?.has_second_factor).toBe(true);
  });

  it('finds the signed-in user and whether they have a factor in one statement', async () => {
    const plain = await createMember(t.db, { username: 'tf0008', password: PASSWORD });
    const enrolled = await createMember(t.db, { username: 'tf0009', password: PASSWORD });
    await enrolTotp(t.db, enrolled.id);
    const { db: counted, count: statements } = countingStatements(t.db);
    const [without, withApp] = [await findSignedInUser(counted, plain.id), await findSignedInUser(counted, enrolled.id)];
    expect(statements()).toBe(2);
    expect(without).toEqual({ ...(await findUserById(t.db, plain.id)), has_second_factor: false });
    expect(withApp?.has_second_factor).toBe(true);
    // An app that waits for its first code does not count.
    await t.db.updateTable('totp_factor').set({ confirmed_at: null }).where('user_id', '=', enrolled.id).execute();
    expect((await findSignedInUser(t.db, enrolled.id))?.has_second_factor).toBe(false);
  });
});
