import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticationOptions,
  finishAuthentication,
  finishRegistration,
  mayRegister,
  registrationOptions,
  relyingParty,
  removePasskey,
} from '#server/identity/passkeys.ts';
import { insertUser, type User } from '#server/identity/users.ts';
import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { createMember } from '../helpers/users.ts';
import { SoftAuthenticator } from './passkeys-authenticator.ts';

const config = parseConfig({ PUBLIC_URL: 'https://portal.example', MFA_REQUIRED_FOR: 'staff' });
const rp = relyingParty(config, 'Anordnarportalen');
const PASSWORD_ONLY = { amr: ['pwd'] };
const WITH_PASSKEY = { amr: ['pwd', 'hwk'] };

describe('passkeys', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  let serial = 0;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  beforeEach(() => {
    clock = new ManualClock('2026-11-25T10:00:00Z');
  });
  afterAll(() => t.drop());

  const member = () => createMember(t.db, { username: `pk${String(++serial).padStart(4, '0')}` });
  /** A user with one registered passkey, and the authenticator that holds it. */
  async function enrolled(user?: User): Promise<{ user: User; authenticator: SoftAuthenticator }> {
    const owner = user ?? (await member());
    const authenticator = new SoftAuthenticator(rp.id, rp.origin);
    const options = await registrationOptions(t.db, owner, rp, clock);
    const outcome = await finishRegistration(t.db, owner, authenticator.register(options), 'Testnyckeln', rp, clock, '192.0.2.0');
    expect(outcome.kind).toBe('ok');
    return { user: owner, authenticator };
  }

  it('registers a discoverable passkey with user verification, asks for no existing one again, and keeps its name and audit event', async () => {
    const { user, authenticator } = await enrolled();
    const stored = await t.db.selectFrom('passkey').selectAll().where('user_id', '=', user.id).execute();
    expect(stored).toMatchObject([{ credential_id: authenticator.id, name: 'Testnyckeln', counter: 0, transports: ['internal'], last_used_at: null }]);
    const again = await registrationOptions(t.db, user, rp, clock);
    expect(again.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(again.rp).toEqual({ id: 'portal.example', name: 'Anordnarportalen' });
    expect(again.excludeCredentials?.map((credential) => credential.id)).toEqual([authenticator.id]);
    const events = await t.db.selectFrom('audit_event').select(['event', 'detail']).where('subject_user_id', '=', user.id).execute();
    expect(events).toEqual([{ event: 'passkey.registered', detail: { name: 'Testnyckeln' } }]);
  });

  it('accepts a registration answer once: the same answer again finds no challenge', async () => {
    const user = await member();
    const authenticator = new SoftAuthenticator(rp.id, rp.origin);
    const answer = authenticator.register(await registrationOptions(t.db, user, rp, clock));
    expect((await finishRegistration(t.db, user, answer, 'Första', rp, clock, '')).kind).toBe('ok');
    expect((await finishRegistration(t.db, user, answer, 'Andra', rp, clock, '')).kind).toBe('expired');
    expect(await t.db.selectFrom('passkey').select('name').where('user_id', '=', user.id).execute()).toEqual([{ name: 'Första' }]);
  });

  it('refuses a registration signed for another site or by another user’s challenge', async () => {
    const [user, other] = [await member(), await member()];
    const authenticator = new SoftAuthenticator(rp.id, rp.origin);
    const phished = authenticator.register(await registrationOptions(t.db, user, rp, clock), 'https://portal.example.evil');
    expect((await finishRegistration(t.db, user, phished, 'Fel', rp, clock, '')).kind).toBe('failed');
    const foreign = authenticator.register(await registrationOptions(t.db, other, rp, clock));
    expect((await finishRegistration(t.db, user, foreign, 'Fel', rp, clock, '')).kind).toBe('expired');
    expect(await t.db.selectFrom('passkey').select('name').where('user_id', 'in', [user.id, other.id]).execute()).toEqual([]);
  });

  it('logs in with a passkey alone once per challenge, even when two answers race, and keeps the counter and the time of use', async () => {
    const { user, authenticator } = await enrolled();
    const options = await authenticationOptions(t.db, 'login', rp, clock);
    expect(options.allowCredentials).toBeUndefined();
    expect(options.userVerification).toBe('required');
    const answer = authenticator.assert(options.challenge);
    const outcomes = await Promise.all([0, 1, 2].map(() => finishAuthentication(t.db, 'login', answer, rp, clock)));
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['expired', 'expired', 'ok']);
    expect(outcomes.find((outcome) => outcome.kind === 'ok')).toMatchObject({ user: { id: user.id } });
    expect(await t.db.selectFrom('passkey').select(['counter', 'last_used_at']).where('user_id', '=', user.id).executeTakeFirst()).toEqual({
      counter: 1,
      last_used_at: clock.now(),
    });
  });

  it('refuses an answer after the challenge has expired, and clears expired challenges as new ones come', async () => {
    const { authenticator } = await enrolled();
    const options = await authenticationOptions(t.db, 'login', rp, clock);
    clock.advance(5 * MINUTE);
    expect((await finishAuthentication(t.db, 'login', authenticator.assert(options.challenge), rp, clock)).kind).toBe('expired');
    await authenticationOptions(t.db, 'login', rp, clock);
    expect(await t.db.selectFrom('webauthn_challenge').select('expires_at').where('expires_at', '<=', clock.now()).execute()).toEqual([]);
  });

  it('keeps a challenge to its purpose and, for a step-up, to its user and the user’s own passkeys', async () => {
    const { user, authenticator } = await enrolled();
    const { user: other, authenticator: othersKey } = await enrolled();
    const login = await authenticationOptions(t.db, 'login', rp, clock);
    expect((await finishAuthentication(t.db, 'step_up', authenticator.assert(login.challenge), rp, clock, user.id)).kind).toBe('expired');

    const stepUp = await authenticationOptions(t.db, 'step_up', rp, clock, user.id);
    expect(stepUp.allowCredentials?.map((credential) => credential.id)).toEqual([authenticator.id]);
    expect((await finishAuthentication(t.db, 'login', authenticator.assert(stepUp.challenge), rp, clock)).kind).toBe('expired');
    expect((await finishAuthentication(t.db, 'step_up', authenticator.assert(stepUp.challenge), rp, clock, other.id)).kind).toBe('expired');

    // Another user's passkey does not step up this user's session.
    const second = await authenticationOptions(t.db, 'step_up', rp, clock, user.id);
    expect(await finishAuthentication(t.db, 'step_up', othersKey.assert(second.challenge), rp, clock, user.id)).toEqual({ kind: 'failed', userId: null });
    const third = await authenticationOptions(t.db, 'step_up', rp, clock, user.id);
    expect((await finishAuthentication(t.db, 'step_up', authenticator.assert(third.challenge), rp, clock, user.id)).kind).toBe('ok');
  });

  it('refuses an answer without user verification, from another origin, or with a counter that went back', async () => {
    const { user, authenticator } = await enrolled();
    const ask = async () => (await authenticationOptions(t.db, 'login', rp, clock)).challenge;
    expect((await finishAuthentication(t.db, 'login', authenticator.assert(await ask(), { userVerified: false }), rp, clock)).kind).toBe('failed');
    expect((await finishAuthentication(t.db, 'login', authenticator.assert(await ask(), { origin: 'https://evil.example' }), rp, clock)).kind).toBe('failed');
    expect((await finishAuthentication(t.db, 'login', authenticator.assert(await ask(), { counter: 10 }), rp, clock)).kind).toBe('ok');
    // A cloned authenticator shows itself by a counter that does not grow.
    expect(await finishAuthentication(t.db, 'login', authenticator.assert(await ask(), { counter: 4 }), rp, clock)).toEqual({
      kind: 'failed',
      userId: user.id,
    });
  });

  it('answers an inactive user’s passkey as an unknown one would be answered', async () => {
    const { user, authenticator } = await enrolled();
    await t.db.updateTable('app_user').set({ status: 'inactive' }).where('id', '=', user.id).execute();
    const options = await authenticationOptions(t.db, 'login', rp, clock);
    const outcome = await finishAuthentication(t.db, 'login', authenticator.assert(options.challenge), rp, clock);
    expect(outcome.kind).toBe('failed');
    const stranger = new SoftAuthenticator(rp.id, rp.origin);
    const unknown = await finishAuthentication(t.db, 'login', stranger.assert((await authenticationOptions(t.db, 'login', rp, clock)).challenge), rp, clock);
    expect(unknown.kind).toBe('failed');
  });

  it('lets a user without a factor enrol, and a password-only session of a user with one add none until it has shown a factor', async () => {
    const user = await member();
    expect(await mayRegister(t.db, { userId: user.id, ...PASSWORD_ONLY })).toBe(true);
    await enrolled(user);
    expect(await mayRegister(t.db, { userId: user.id, ...PASSWORD_ONLY })).toBe(false);
    expect(await mayRegister(t.db, { userId: user.id, ...WITH_PASSKEY })).toBe(true);
    // A confirmed authenticator app counts as a factor too; an unconfirmed one does not.
    const other = await member();
    await t.db
      .insertInto('totp_factor')
      .values({ user_id: other.id, secret_sealed: Buffer.from('x'), created_at: clock.now() })
      .execute();
    expect(await mayRegister(t.db, { userId: other.id, ...PASSWORD_ONLY })).toBe(true);
    await t.db.updateTable('totp_factor').set({ confirmed_at: clock.now() }).where('user_id', '=', other.id).execute();
    expect(await mayRegister(t.db, { userId: other.id, ...PASSWORD_ONLY })).toBe(false);
    expect(await mayRegister(t.db, { userId: other.id, amr: ['pwd', 'otp'] })).toBe(true);
  });

  it('removes a passkey only in a session with a second factor, never a required last factor, and logs it', async () => {
    const { user, authenticator } = await enrolled();
    expect(await removePasskey(t.db, user, PASSWORD_ONLY, authenticator.id, config, clock, '')).toBe('needsSecondFactor');
    expect(await removePasskey(t.db, user, WITH_PASSKEY, 'no-such-passkey', config, clock, '')).toBe('notFound');
    const { authenticator: othersKey } = await enrolled();
    expect(await removePasskey(t.db, user, WITH_PASSKEY, othersKey.id, config, clock, '')).toBe('notFound');
    // A member need not keep a factor (MFA_REQUIRED_FOR=staff): the last passkey may go.
    expect(await removePasskey(t.db, user, WITH_PASSKEY, authenticator.id, config, clock, '')).toBe('ok');
    const events = await t.db.selectFrom('audit_event').select('event').where('subject_user_id', '=', user.id).orderBy('id').execute();
    expect(events.map((event) => event.event)).toEqual(['passkey.registered', 'passkey.removed']);

    const staff = await insertUser(
      t.db,
      {
        username: `hl${String(++serial).padStart(4, '0')}`,
        kind: 'staff',
        organisationId: null,
        firstName: 'Kim',
        lastName: 'Berg',
        email: 'kim@myndigheten.example',
      },
      clock.now(),
    );
    const first = await enrolled(staff);
    const second = await enrolled(staff);
    expect(await removePasskey(t.db, staff, WITH_PASSKEY, first.authenticator.id, config, clock, '')).toBe('ok');
    expect(await removePasskey(t.db, staff, WITH_PASSKEY, second.authenticator.id, config, clock, '')).toBe('lastRequired');
    // With an authenticator app beside it the passkey is no longer the last factor.
    await t.db
      .insertInto('totp_factor')
      .values({ user_id: staff.id, secret_sealed: Buffer.from('x'), created_at: clock.now(), confirmed_at: clock.now() })
      .execute();
    expect(await removePasskey(t.db, staff, WITH_PASSKEY, second.authenticator.id, config, clock, '')).toBe('ok');
  });

  it('keeps one of two passkeys when both are removed at once from a staff account that must keep a factor', async () => {
    const staff = await insertUser(
      t.db,
      {
        username: `hl${String(++serial).padStart(4, '0')}`,
        kind: 'staff',
        organisationId: null,
        firstName: 'Ann',
        lastName: 'Berg',
        email: 'ann@myndigheten.example',
      },
      clock.now(),
    );
    const [first, second] = [await enrolled(staff), await enrolled(staff)];
    const outcomes = await Promise.all(
      [first, second].map(({ authenticator }) => removePasskey(t.db, staff, WITH_PASSKEY, authenticator.id, config, clock, '')),
    );
    expect(outcomes.sort()).toEqual(['lastRequired', 'ok']);
    expect(await t.db.selectFrom('passkey').select('credential_id').where('user_id', '=', staff.id).execute()).toHaveLength(1);
  });
});
