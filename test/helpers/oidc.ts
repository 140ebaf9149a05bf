import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as client from 'openid-client';
import { startExampleService } from '../../examples/exempeltjanst/server.ts';
import { demoClientSecret } from '#server/oidc/provider.ts';
import { DEFAULT_CATALOGUE_FILE } from '#server/organisation/catalogue.ts';
import { cookiesOf, postForm } from './forms.ts';
import { freePort } from './ports.ts';
import { tempDir } from './temp-dir.ts';

export const EXAMPLE_CLIENT = 'exempeltjanst';
export const EXAMPLE_SECRET = demoClientSecret(EXAMPLE_CLIENT);

/** The default catalogue with the example e-service moved to a free port; returns the file and the example's origin. */
export async function catalogueWithExample(): Promise<{ file: string; origin: string; port: number; remove(): void }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dir = tempDir('catalogue');
  const file = path.join(dir.path, 'catalogue.json');
  writeFileSync(file, readFileSync(DEFAULT_CATALOGUE_FILE, 'utf8').replaceAll('http://localhost:4400', origin));
  return { file, origin, port, remove: dir.remove };
}

/** Runs the example e-service against a portal. */
export function startExample(portalUrl: string, origin: string, port: number) {
  return startExampleService({ issuer: `${portalUrl}/oidc`, clientId: EXAMPLE_CLIENT, clientSecret: EXAMPLE_SECRET, baseUrl: origin, port });
}

/** A cookie jar for a browser-like walk across redirects, with no path rules (tests only). */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  add(response: Response): void {
    for (const pair of cookiesOf(response).split('; ').filter(Boolean)) {
      const [name, ...value] = pair.split('=');
      if (value.join('=') === '') this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Logs in to the portal over HTTP and returns a jar with the session cookie. */
export async function portalLogin(portalUrl: string, username: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await postForm(`${portalUrl}/logga-in?_action=auth.login`, { username, password });
  if (response.status !== 303) throw new Error(`login failed: ${response.status}`);
  jar.add(response);
  return jar;
}

export interface AuthorizeResult {
  /** The last response: the redirect to the e-service, or the page where the walk stopped. */
  response: Response;
  location?: URL;
  body?: string;
}

/**
 * Follows an authorization request through the portal as a browser would: redirects are
 * followed on the portal's origin, a unit-choice page is answered with `unit` (the first
 * option when not given), and the walk stops at the redirect to the e-service.
 */
export async function authorize(
  portalUrl: string,
  jar: CookieJar,
  authUrl: string,
  options: { unitName?: string; pickUnit?: boolean } = {},
): Promise<AuthorizeResult> {
  let url = authUrl;
  for (let step = 0; step < 10; step += 1) {
    const response = await fetch(url, { redirect: 'manual', headers: { Cookie: jar.header() } });
    jar.add(response);
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.origin !== new URL(portalUrl).origin) return { response, location: next };
      url = next.href;
      continue;
    }
    const body = await response.text();
    const uid = new URL(url).pathname.match(/^\/inloggning\/tjanst\/([^/]+)$/)?.[1];
    if (response.status === 200 && uid && body.includes('name="unit"') && options.pickUnit !== false) {
      const units = [...body.matchAll(/<input[^>]*name="unit"[^>]*value="(\d+)"[^>]*>\s*<label[^>]*>([^<]*)<\/label>/g)];
      const chosen = units.find((match) => !options.unitName || match[2].includes(options.unitName)) ?? units[0];
      const posted = await postForm(`${portalUrl}/inloggning/tjanst/${uid}?_action=account.chooseServiceUnit`, { uid, unit: chosen[1] }, jar.header());
      jar.add(posted);
      const to = posted.headers.get('location');
      if (!to) return { response: posted, body: await posted.text() };
      url = new URL(to, url).href;
      continue;
    }
    return { response, body };
  }
  throw new Error('too many redirects');
}

/** The example's client configuration against a portal, as an e-service would discover it. */
export function exampleClient(portalUrl: string): Promise<client.Configuration> {
  return client.discovery(new URL(`${portalUrl}/oidc`), EXAMPLE_CLIENT, undefined, client.ClientSecretBasic(EXAMPLE_SECRET), {
    execute: [client.allowInsecureRequests],
  });
}

/** An authorization request of the example's, with PKCE, state and nonce; returns the URL and the checks. */
export async function authorizationRequest(config: client.Configuration, redirectUri: string, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email organisation',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}
