import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '#server/identity/session.ts';
import { systemClock } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/ports.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';
import { SoftAuthenticator } from './passkeys-authenticator.ts';

const LIMITS = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

/**
 * The passkey endpoints as a script or an attacker calls them: JSON in, JSON out, a Swedish
 * message on every refusal, never a 500; and the rule that a session with only a password
 * adds no passkey to an account that already has a factor.
 */
describe('the passkey endpoints', () => {
  let t: TestDatabase;
  let server: TestServer;
  let base = '';
  let serial = 0;

  beforeAll(async () => {
    t = await freshDatabase();
    const port = await freePort();
    base = `http://localhost:${port}`;
    server = await startServer({ DATABASE_URL: t.url, PORT: String(port), PUBLIC_URL: base, LOGIN_CLIENT_LIMIT: '12' });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  const member = () => createMember(t.db, { username: `ph${String(++serial).padStart(4, '0')}`, termsVersion: CURRENT_TERMS_VERSION });
  const cookieFor = async (userId: number, amr: string[]) => `sid=${(await createSession(t.db, userId, systemClock, LIMITS, { amr })).token}`;
  const post = async (path: string, body: unknown = {}, cookie?: string, raw?: string) => {
    const response = await fetch(`${base}/api/passkey/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: base, 'Sec-Fetch-Site': 'same-origin', ...(cookie ? { Cookie: cookie } : {}) },
      body: raw ?? JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  };
  const registerWith = async (authenticator: SoftAuthenticator, cookie: string, name = 'Min dator') => {
    const options = await post('register-options', {}, cookie);
    expect(options.status).toBe(200);
    return post('register', { name, response: authenticator.register(options.body as unknown as PublicKeyCredentialCreationOptionsJSON) }, cookie);
  };

  it('asks for a login before anything that belongs to an account', async () => {
    for (const path of ['register-options', 'register', 'step-up-options', 'step-up']) {
      expect(await post(path)).toMatchObject({ status: 401, body: { message: 'Du är inte inloggad längre. Logga in igen.' } });
    }
  });

  it('lets a user without a factor enrol with a password alone, and then adds no passkey to a password-only session until it shows one', async () => {
    const user = await member();
    const authenticator = new SoftAuthenticator('localhost', base);
    const enrolling = await cookieFor(user.id, ['pwd']);
    const elsewhere = await cookieFor(user.id, ['pwd']);
    // Options for a second passkey taken while the door was open are no key once a factor exists.
    const early = (await post('register-options', {}, elsewhere)).body as unknown as PublicKeyCredentialCreationOptionsJSON;

    expect(await registerWith(authenticator, enrolling)).toEqual({
      status: 200,
      body: { redirect: '/mina-tjanster/sakerhet/passkeys?ny=1' },
      headers: expect.anything(),
    });
    // The session that enrolled it has shown it; the other has shown a password only.
    const amr = async (cookie: string) =>
      (await t.db.selectFrom('user_session').select('amr').where('id', '=', cookie.slice(4).split('.')[0]).executeTakeFirstOrThrow()).amr.sort();
    expect(await amr(enrolling)).toEqual(['hwk', 'pwd']);
    expect(await amr(elsewhere)).toEqual(['pwd']);

    const refusal = { status: 403, body: { message: 'Bekräfta först att det är du med ett andra steg, till exempel med en passkey du redan har.' } };
    expect(await post('register-options', {}, elsewhere)).toMatchObject(refusal);
    const second = new SoftAuthenticator('localhost', base);
    expect(await post('register', { name: 'Smygnyckel', response: second.register(early) }, elsewhere)).toMatchObject(refusal);
    expect(await t.db.selectFrom('passkey').select('name').where('user_id', '=', user.id).execute()).toEqual([{ name: 'Min dator' }]);

    // After a step-up with the first passkey the same session may add another.
    const stepUp = (await post('step-up-options', {}, elsewhere)).body as unknown as PublicKeyCredentialRequestOptionsJSON;
    expect(stepUp.allowCredentials?.map((credential) => credential.id)).toEqual([authenticator.id]);
    const confirmed = await post(
      'step-up',
      { response: authenticator.assert(stepUp.challenge), next: '/mina-tjanster/sakerhet/passkeys?bekraftad=1' },
      elsewhere,
    );
    expect(confirmed).toMatchObject({ status: 200, body: { redirect: '/mina-tjanster/sakerhet/passkeys?bekraftad=1' } });
    expect(await amr(elsewhere)).toEqual(['hwk', 'pwd']);
    expect((await registerWith(second, elsewhere, 'Telefonen')).status).toBe(200);
    expect((await t.db.selectFrom('passkey').select('name').where('user_id', '=', user.id).orderBy('name').execute()).map((row) => row.name)).toEqual([
      'Min dator',
      'Telefonen',
    ]);
  });

  it('says beside the field what is wrong with the name, and answers a body that is no passkey answer with 400, never 500', async () => {
    const user = await member();
    const cookie = await cookieFor(user.id, ['pwd']);
    const options = (await post('register-options', {}, cookie)).body as unknown as PublicKeyCredentialCreationOptionsJSON;
    const response = new SoftAuthenticator('localhost', base).register(options);
    expect(await post('register', { name: '  ', response }, cookie)).toMatchObject({
      status: 400,
      body: { message: 'Ange ett namn på din passkey', field: 'passkey-name' },
    });
    expect(await post('register', { name: 'x'.repeat(61), response }, cookie)).toMatchObject({ status: 400, body: { field: 'passkey-name' } });
    const unreadable = { status: 400, body: { message: 'Svaret från din passkey gick inte att läsa. Försök igen.' } };
    expect(await post('register', undefined, cookie, '{not json')).toMatchObject(unreadable);
    expect(await post('login', { response: { id: 'x' } })).toMatchObject(unreadable);
    expect(await post('login', { response: { ...response, response: { clientDataJSON: 'e30', authenticatorData: '', signature: '' } } })).toMatchObject({
      status: 400,
      body: { message: 'Det tog för lång tid. Försök igen.' },
    });
  });

  it('logs in with a passkey alone: a session cookie, amr hwk and user, an audit row; the same answer again is refused', async () => {
    const user = await member();
    const authenticator = new SoftAuthenticator('localhost', base);
    await registerWith(authenticator, await cookieFor(user.id, ['pwd']));
    const options = (await post('login-options')).body as unknown as PublicKeyCredentialRequestOptionsJSON;
    expect(options.rpId).toBe('localhost');
    expect(options.allowCredentials).toBeUndefined();
    const answer = authenticator.assert(options.challenge);
    const login = await post('login', { response: answer, next: '//evil.example/' });
    expect(login.status).toBe(200);
    // A `next` off this site is dropped, as on the password form.
    expect(login.body).toEqual({ redirect: '/mina-tjanster' });
    // The cookie as the password login sets it: the session's whole lifetime, HttpOnly, SameSite=Lax.
    const lifetime = parseConfig({}).rules.sessionAbsoluteHours * 3600;
    expect(login.headers.get('set-cookie')).toMatch(new RegExp(`^sid=[^;]+; Max-Age=${lifetime}; Path=/; HttpOnly; SameSite=Lax$`));
    const sessions = await t.db.selectFrom('user_session').select('amr').where('user_id', '=', user.id).orderBy('created_at', 'desc').execute();
    expect(sessions[0].amr).toEqual(['hwk', 'user']);
    const page = await fetch(`${base}/mina-tjanster`, { headers: { Cookie: login.headers.get('set-cookie')!.split(';')[0] }, redirect: 'manual' });
    expect(page.status).toBe(200);

    expect(await post('login', { response: answer })).toMatchObject({ status: 400, body: { message: 'Det tog för lång tid. Försök igen.' } });
    const events = await t.db.selectFrom('audit_event').select(['event', 'detail']).where('subject_user_id', '=', user.id).orderBy('id').execute();
    expect(events).toEqual([
      { event: 'passkey.registered', detail: { name: 'Min dator' } },
      { event: 'login.succeeded', detail: { method: 'passkey' } },
    ]);
  });

  it('answers an inactive account’s passkey exactly as an unknown one', async () => {
    const user = await member();
    const authenticator = new SoftAuthenticator('localhost', base);
    await registerWith(authenticator, await cookieFor(user.id, ['pwd']));
    await t.db.updateTable('app_user').set({ status: 'inactive' }).where('id', '=', user.id).execute();
    const inactive = await post('login', { response: authenticator.assert(((await post('login-options')).body as { challenge: string }).challenge) });
    const stranger = new SoftAuthenticator('localhost', base);
    const unknown = await post('login', { response: stranger.assert(((await post('login-options')).body as { challenge: string }).challenge) });
    expect(inactive).toMatchObject({ status: 401, body: unknown.body });
    expect(unknown.status).toBe(401);
  });

  it('limits the login endpoints per client, with Retry-After', async () => {
    let last = await post('login-options');
    for (let i = 0; i < 12 && last.status === 200; i++) last = await post('login-options');
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.body).toEqual({ message: 'Du har försökt för många gånger. Vänta en stund och försök igen.' });
  });
});
