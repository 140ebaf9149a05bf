import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { pageText, postForm } from '../helpers/forms.ts';
import {
  authorizationRequest,
  authorize,
  catalogueWithExample,
  EXAMPLE_CLIENT,
  EXAMPLE_SECRET,
  exampleClient,
  portalLogin,
  startExample,
} from '../helpers/oidc.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { freePort } from '../helpers/ports.ts';
import { codeNow, enrolTotp } from '../helpers/second-factor.ts';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';

const basic = `Basic ${Buffer.from(`${EXAMPLE_CLIENT}:${EXAMPLE_SECRET}`).toString('base64')}`;

describe('the portal as OpenID provider for the e-services', () => {
  let t: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let catalogue: Awaited<ReturnType<typeof catalogueWithExample>>;
  let example: Awaited<ReturnType<typeof startExample>>;
  let config: client.Configuration;
  const clock = tempDir('oidc-clock');
  const clockFile = path.join(clock.path, 'offset');
  let callback: string;

  beforeAll(async () => {
    t = await freshDatabase();
    catalogue = await catalogueWithExample();
    writeFileSync(clockFile, '0');
    // Two instances behind one address: the same PUBLIC_URL, one database.
    const port = await freePort();
    const env = {
      DATABASE_URL: t.url,
      CATALOGUE_FILE: catalogue.file,
      LOGIN_CLIENT_LIMIT: '100000',
      CLOCK_OFFSET_FILE: clockFile,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    a = await startServer({ ...env, PORT: String(port) });
    b = await startServer(env);
    example = await startExample(a.url, catalogue.origin, catalogue.port);
    config = await exampleClient(a.url);
    callback = `${catalogue.origin}/inloggad`;
  });
  afterAll(async () => {
    await example?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await t?.drop();
    catalogue?.remove();
    clock.remove();
  });

  /** A user signs in to the example through the portal and the example exchanges the code. */
  async function signIn(username = 'ds1002', unitName?: string) {
    const jar = await portalLogin(a.url, username, DEMO_PASSWORD);
    const request = await authorizationRequest(config, callback);
    const walked = await authorize(a.url, jar, request.url.href, { unitName });
    expect(walked.location?.origin).toBe(catalogue.origin);
    const tokens = await client.authorizationCodeGrant(config, walked.location!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    return { jar, tokens, location: walked.location!, request };
  }

  it('publishes discovery and a JWKS under PUBLIC_URL/oidc', async () => {
    const discovery = await (await fetch(`${a.url}/oidc/.well-known/openid-configuration`)).json();
    expect(discovery.issuer).toBe(`${a.url}/oidc`);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint', 'introspection_endpoint']) {
      expect(discovery[endpoint]).toMatch(new RegExp(`^${a.url}/oidc/`));
    }
    expect(discovery.response_types_supported).toEqual(['code']);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['ES256']);
    expect(discovery.backchannel_logout_supported).toBe(true);
    expect(discovery.token_endpoint_auth_methods_supported.sort()).toEqual(['client_secret_basic', 'private_key_jwt']);
    const jwks = await (await fetch(discovery.jwks_uri)).json();
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });

  it('signs ds1002 in for the chosen unit, with the roles for this service there, verified against the JWKS', async () => {
    const { tokens, request } = await signIn('ds1002', 'Konstlinjen');
    const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${a.url}/oidc/jwks`)), {
      issuer: `${a.url}/oidc`,
      audience: EXAMPLE_CLIENT,
    });
    expect(payload.nonce).toBe(request.nonce);
    expect(payload.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.name).toBe('Ali Karimi');
    expect(payload.organisation).toEqual({ organisationsnummer: '5566001235', name: 'Demoskolan AB' });
    expect((payload.unit as { name: string }).name).toBe('Demoskolan Konstlinjen');
    expect(payload.roles).toEqual([{ key: 'KK_ANSOKAN', name: 'Hantera ansökan KK' }]);
    expect(payload.amr).toEqual(['pwd']);
    expect(payload.acr).toBe('urn:anordnarportalen:ac:password');
    expect(typeof payload.auth_time).toBe('number');
    expect(typeof payload.sid).toBe('string');

    const main = await signIn('ds1002', 'Demoskolan AB');
    expect(main.tokens.claims()!.roles).toEqual([{ key: 'YH_ANSOKAN', name: 'Hantera ansökan YH' }]);
    expect(main.tokens.claims()!.sub).toBe(payload.sub);

    const row = await t.db.selectFrom('audit_event').select('detail').where('event', '=', 'oidc.sign_in').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row.detail).toMatchObject({ service: 'Exempeltjänsten', unit: 'Demoskolan AB' });
  });

  it('asks a user with an authenticator app for the code before any code is issued, and tells the e-service how they logged in', async () => {
    const user = await t.db.selectFrom('app_user').select('id').where('username', '=', 'ds1001').executeTakeFirstOrThrow();
    const { secret } = await enrolTotp(t.db, user.id);
    const jar = await portalLogin(a.url, 'ds1001', DEMO_PASSWORD);
    const request = await authorizationRequest(config, callback);
    const stopped = await authorize(a.url, jar, request.url.href);
    expect(stopped.location).toBeUndefined();
    expect(new URL(stopped.response.url).pathname).toBe('/logga-in/steg-tva');
    const step = await postForm(`${a.url}/logga-in/steg-tva?_action=mfa.verifyApp`, { code: codeNow(secret), tillbaka: '/mina-tjanster' }, jar.header());
    expect(step.status).toBe(303);
    jar.add(step);
    const walked = await authorize(a.url, jar, request.url.href);
    const tokens = await client.authorizationCodeGrant(config, walked.location!, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect([...(tokens.claims()!.amr as string[])].sort()).toEqual(['otp', 'pwd']);
    expect(tokens.claims()!.acr).toBe('urn:anordnarportalen:ac:mfa');
  });

  it('authorizes on one instance and exchanges the code on the other', async () => {
    const jar = await portalLogin(a.url, 'ds1002', DEMO_PASSWORD);
    const request = await authorizationRequest(config, callback);
    const walked = await authorize(a.url, jar, request.url.href, { unitName: 'Demoskolan AB' });
    const exchanged = await fetch(`${b.url}/oidc/token`, {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: walked.location!.searchParams.get('code')!,
        redirect_uri: callback,
        code_verifier: request.verifier,
      }),
    });
    expect(exchanged.status).toBe(200);
    const tokens = await exchanged.json();
    await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${b.url}/oidc/jwks`)), { issuer: `${a.url}/oidc`, audience: EXAMPLE_CLIENT });
    const userinfo = await fetch(`${b.url}/oidc/me`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect((await userinfo.json()).unit.name).toBe('Demoskolan AB');
  });

  it('refuses a request without PKCE, and an unknown redirect URI without redirecting', async () => {
    const jar = await portalLogin(a.url, 'ds1002', DEMO_PASSWORD);
    const noPkce = new URL(`${a.url}/oidc/auth`);
    noPkce.search = new URLSearchParams({ client_id: EXAMPLE_CLIENT, response_type: 'code', scope: 'openid', redirect_uri: callback, state: 's1' }).toString();
    const refused = await fetch(noPkce, { redirect: 'manual', headers: { Cookie: jar.header() } });
    const location = new URL(refused.headers.get('location')!);
    expect(location.origin).toBe(catalogue.origin);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('code')).toBeNull();
    expect(location.searchParams.get('state')).toBe('s1');

    const elsewhere = await authorizationRequest(config, 'https://angripare.example/fanga');
    const answer = await fetch(elsewhere.url, { redirect: 'manual', headers: { Cookie: jar.header() } });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('location')).toBeNull();
    const text = pageText(await answer.text());
    expect(text).toContain('Inloggningen till e-tjänsten kunde inte göras');
    expect(text).not.toContain('angripare.example');
  });

  it('refuses a code used twice and revokes what it gave', async () => {
    const jar = await portalLogin(a.url, 'ds1002', DEMO_PASSWORD);
    const request = await authorizationRequest(config, callback);
    const walked = await authorize(a.url, jar, request.url.href);
    const code = walked.location!.searchParams.get('code')!;
    const exchange = () =>
      fetch(`${a.url}/oidc/token`, {
        method: 'POST',
        headers: { Authorization: basic, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callback, code_verifier: request.verifier }),
      });
    const first = await exchange();
    expect(first.status).toBe(200);
    const { access_token } = await first.json();
    expect((await fetch(`${a.url}/oidc/me`, { headers: { Authorization: `Bearer ${access_token}` } })).status).toBe(200);
    const second = await exchange();
    expect(second.status).toBe(400);
    expect((await second.json()).error).toBe('invalid_grant');
    expect((await fetch(`${a.url}/oidc/me`, { headers: { Authorization: `Bearer ${access_token}` } })).status).toBe(401);
  });

  it('never gives a code to a user without the service role: a refusal page that says why and whom to ask, then access_denied', async () => {
    const jar = await portalLogin(a.url, 'hl1001', DEMO_PASSWORD);
    const request = await authorizationRequest(config, callback);
    const walked = await authorize(a.url, jar, request.url.href);
    expect(walked.response.status).toBe(403);
    const text = pageText(walked.body!);
    expect(text).toContain('Du har ingen roll för Exempeltjänsten');
    expect(text).toContain('Kontakta myndigheten');
    const uid = new URL(walked.response.url).pathname.split('/').pop()!;
    const cancelled = await postForm(`${a.url}/inloggning/tjanst/${uid}?_action=account.cancelServiceSignIn`, { uid, reason: 'noRole' }, jar.header());
    const back = await authorize(a.url, jar, new URL(cancelled.headers.get('location')!, a.url).href);
    expect(back.location!.searchParams.get('error')).toBe('access_denied');
    expect(back.location!.searchParams.get('code')).toBeNull();
  });

  it('asks for the terms of use before any code is issued', async () => {
    const user = await t.db.selectFrom('app_user').select(['id', 'terms_version']).where('username', '=', 'ds1002').executeTakeFirstOrThrow();
    const jar = await portalLogin(a.url, 'ds1002', DEMO_PASSWORD);
    await t.db.updateTable('app_user').set({ terms_version: 'gamla' }).where('id', '=', user.id).execute();
    try {
      const request = await authorizationRequest(config, callback);
      const walked = await authorize(a.url, jar, request.url.href);
      expect(walked.location).toBeUndefined();
      expect(new URL(walked.response.url).pathname).toBe('/mina-tjanster/villkor');
    } finally {
      await t.db.updateTable('app_user').set({ terms_version: user.terms_version }).where('id', '=', user.id).execute();
    }
  });

  it('ends access at the next refresh when the role is removed, and at once for an inactivated user', async () => {
    const { tokens } = await signIn('ds1002', 'Konstlinjen');
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    const user = await t.db.selectFrom('app_user').select('id').where('username', '=', 'ds1002').executeTakeFirstOrThrow();
    const unit = await t.db.selectFrom('unit').select('id').where('name', '=', 'Demoskolan Konstlinjen').executeTakeFirstOrThrow();
    await t.db.deleteFrom('user_unit_role').where('user_id', '=', user.id).where('unit_id', '=', unit.id).where('role_key', '=', 'KK_ANSOKAN').execute();
    try {
      await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      await t.db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: unit.id, role_key: 'KK_ANSOKAN', granted_at: new Date() }).execute();
    }

    const again = await signIn('ds1002', 'Demoskolan AB');
    const introspect = async () => (await client.tokenIntrospection(config, again.tokens.access_token)).active;
    expect(await introspect()).toBe(true);
    const { setUserActive } = await import('#server/identity/accounts.ts');
    const row = await t.db.selectFrom('app_user').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    await t.db.transaction().execute((trx) => setUserActive(trx, row, false, { userId: null, client: 'test' }, { now: () => new Date() }));
    try {
      expect(await introspect()).toBe(false);
      await expect(client.refreshTokenGrant(config, again.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      await t.db.updateTable('app_user').set({ status: 'active' }).where('id', '=', user.id).execute();
    }
  });

  it('logs the e-service out by back-channel within 5 s of a portal logout and of an idle timeout', async () => {
    const browser = await portalLogin(a.url, 'ds1002', DEMO_PASSWORD);
    const exampleCookie = async () => {
      const start = await fetch(`${example.url}/logga-in`, { redirect: 'manual' });
      const walked = await authorize(a.url, browser, start.headers.get('location')!, { unitName: 'Demoskolan AB' });
      const done = await fetch(walked.location!, { redirect: 'manual' });
      return done.headers.getSetCookie()[0].split(';')[0];
    };
    const signedIn = async (cookie: string) => (await (await fetch(`${example.url}/status`, { headers: { Cookie: cookie } })).json()).signedIn as boolean;
    const within5s = async (cookie: string) => {
      const started = Date.now();
      while (Date.now() - started < 5_000) {
        if (!(await signedIn(cookie))) return Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return Number.POSITIVE_INFINITY;
    };

    const first = await exampleCookie();
    expect(await signedIn(first)).toBe(true);
    const out = await postForm(`${a.url}/logga-ut`, {}, browser.header());
    expect(out.status).toBe(303);
    const took = await within5s(first);
    if (took > 5000) console.log(a.output().slice(-3000), b.output().slice(-3000), await t.db.selectFrom('oidc_sign_in').selectAll().execute());
    expect(took).toBeLessThan(5_000);

    const again = await portalLogin(a.url, 'ds1002', DEMO_PASSWORD);
    browser.cookies.clear();
    for (const [name, value] of again.cookies) browser.cookies.set(name, value);
    const second = await exampleCookie();
    expect(await signedIn(second)).toBe(true);
    // Past the idle limit (20 minutes by default) on the portal's clock: nobody asks anything.
    writeFileSync(clockFile, String(21 * 60_000));
    try {
      expect(await within5s(second)).toBeLessThan(5_000);
    } finally {
      writeFileSync(clockFile, '0');
    }
  });

  it('ends the portal session when the user logs out in the e-service and confirms (RP-initiated logout)', async () => {
    const { jar, tokens } = await signIn('ds1002', 'Demoskolan AB');
    const end = new URL(`${a.url}/oidc/session/end`);
    end.search = new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${catalogue.origin}/`, state: 'ut' }).toString();
    const asked = await fetch(end, { headers: { Cookie: jar.header() } });
    jar.add(asked);
    const page = await asked.text();
    expect(asked.status).toBe(200);
    expect(pageText(page)).toContain('Du kommer från Exempeltjänsten och vill logga ut.');
    expect(page).toContain('lang="sv"');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1];
    const confirmed = await postForm(`${a.url}/oidc/session/end/confirm`, { xsrf, logout: 'yes' }, jar.header());
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`${catalogue.origin}/?state=ut`);
    expect(confirmed.headers.getSetCookie().some((cookie) => /^sid=;/.test(cookie))).toBe(true);
    const after = await fetch(`${a.url}/mina-tjanster`, { redirect: 'manual', headers: { Cookie: jar.header() } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/logga-in/);
  });

  it('keeps verifying tokens signed before a key rotation, and signs new ones with the new key', async () => {
    const before = await signIn('ds1002', 'Demoskolan AB');
    const oldKid = decodeProtectedHeader(before.tokens.id_token!).kid;
    const rotated = spawnSync(process.execPath, ['src/cli/admin.ts', 'rotate-keys'], {
      env: { PATH: process.env.PATH, DATABASE_URL: t.url, APP_MODE: 'demo' },
      encoding: 'utf8',
    });
    expect(rotated.status, rotated.stderr).toBe(0);
    // Each instance looks for new keys at most every 5 seconds.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const after = await signIn('ds1002', 'Demoskolan AB');
    const newKid = decodeProtectedHeader(after.tokens.id_token!).kid;
    expect(newKid).not.toBe(oldKid);
    const jwks = createRemoteJWKSet(new URL(`${b.url}/oidc/jwks`));
    await expect(jwtVerify(before.tokens.id_token!, jwks, { issuer: `${a.url}/oidc`, audience: EXAMPLE_CLIENT })).resolves.toBeTruthy();
    await expect(jwtVerify(after.tokens.id_token!, jwks, { issuer: `${a.url}/oidc`, audience: EXAMPLE_CLIENT })).resolves.toBeTruthy();
  });
});
