/**
 * Exempeltjänsten: an e-service that signs its users in through the portal (OpenID
 * Connect, authorization code with PKCE), shows what it was told, and is logged out by
 * the portal's back-channel logout. `npm start` runs it beside the portal in demo mode;
 * the tests drive it. An e-service of the authority would do the same in its own stack.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface ExampleServiceOptions {
  /** The portal's issuer, e.g. http://localhost:4321/oidc. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where this service answers, e.g. http://localhost:4400. */
  baseUrl: string;
  port: number;
  host?: string;
}

interface SignedIn {
  claims: Record<string, unknown>;
  idToken: string;
  refreshToken?: string;
  sid?: string;
}

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export async function startExampleService(options: ExampleServiceOptions): Promise<{ url: string; sessions: () => number; stop(): Promise<void> }> {
  const sessions = new Map<string, SignedIn>();
  const pending = new Map<string, { verifier: string; nonce: string; at: number }>();
  let config: oidc.Configuration | undefined;
  const configuration = async () => {
    config ??= await oidc.discovery(new URL(options.issuer), options.clientId, undefined, oidc.ClientSecretBasic(options.clientSecret), {
      execute: new URL(options.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
    });
    return config;
  };
  const callback = `${options.baseUrl}/inloggad`;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(
        page(
          'Något gick fel',
          `<p>Inloggningen misslyckades: ${escapeHtml(error instanceof Error ? error.message : String(error))}</p><p><a href="/">Till Exempeltjänsten</a></p>`,
        ),
      );
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', options.baseUrl);
    const session = sessions.get(cookie(req, 'exempel') ?? '');
    if (req.method === 'GET' && url.pathname === '/') {
      if (!session)
        return send(
          res,
          200,
          page('Exempeltjänsten', `<p>Du är inte inloggad.</p><p><a class="button" href="/logga-in">Logga in med Anordnarportalen</a></p>`),
        );
      return send(res, 200, page('Exempeltjänsten', describe(session.claims)));
    }
    if (req.method === 'GET' && url.pathname === '/logga-in') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      pending.set(state, { verifier, nonce, at: Date.now() });
      const target = oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: callback,
        scope: 'openid profile email organisation',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return redirect(res, target.href);
    }
    if (req.method === 'GET' && url.pathname === '/inloggad') {
      const state = url.searchParams.get('state') ?? '';
      const started = pending.get(state);
      pending.delete(state);
      if (url.searchParams.get('error')) {
        return send(
          res,
          403,
          page(
            'Ingen inloggning',
            `<p>Portalen gav ingen inloggning (${escapeHtml(url.searchParams.get('error') ?? '')}).</p><p><a href="/">Till Exempeltjänsten</a></p>`,
          ),
        );
      }
      if (!started) return send(res, 400, page('Ingen inloggning', '<p>Inloggningen hade gått ut. <a href="/logga-in">Försök igen</a>.</p>'));
      const tokens = await oidc.authorizationCodeGrant(await configuration(), url, {
        pkceCodeVerifier: started.verifier,
        expectedState: state,
        expectedNonce: started.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims() as Record<string, unknown>;
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, {
        claims,
        idToken: tokens.id_token ?? '',
        refreshToken: tokens.refresh_token,
        sid: typeof claims.sid === 'string' ? claims.sid : undefined,
      });
      res.setHeader('Set-Cookie', `exempel=${id}; Path=/; HttpOnly; SameSite=Lax`);
      return redirect(res, '/');
    }
    if (req.method === 'POST' && url.pathname === '/logga-ut') {
      if (session) sessions.delete(cookie(req, 'exempel') ?? '');
      res.setHeader('Set-Cookie', 'exempel=; Path=/; Max-Age=0');
      if (!session) return redirect(res, '/');
      return redirect(
        res,
        oidc.buildEndSessionUrl(await configuration(), { id_token_hint: session.idToken, post_logout_redirect_uri: `${options.baseUrl}/` }).href,
      );
    }
    if (req.method === 'POST' && url.pathname === '/utloggning') {
      // Back-channel logout: the portal says a session ended. Only a token it signed counts.
      const body = new URLSearchParams(await readBody(req));
      const meta = (await configuration()).serverMetadata();
      const { payload } = await jwtVerify(body.get('logout_token') ?? '', createRemoteJWKSet(new URL(meta.jwks_uri!)), {
        issuer: meta.issuer,
        audience: options.clientId,
      });
      if (!payload.events || typeof payload.events !== 'object' || !(BACKCHANNEL_EVENT in payload.events) || 'nonce' in payload) return send(res, 400, '');
      for (const [id, signedIn] of sessions) {
        if ((payload.sid && signedIn.sid === payload.sid) || (!payload.sid && signedIn.claims.sub === payload.sub)) sessions.delete(id);
      }
      res.writeHead(200, { 'Cache-Control': 'no-store' });
      return void res.end();
    }
    if (req.method === 'GET' && url.pathname === '/status') {
      // For tests and monitoring: whether this browser is signed in here.
      return send(res, 200, JSON.stringify({ signedIn: Boolean(session), sessions: sessions.size }), 'application/json');
    }
    send(res, 404, page('Sidan finns inte', '<p><a href="/">Till Exempeltjänsten</a></p>'));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    sessions: () => sessions.size,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function describe(claims: Record<string, unknown>): string {
  const organisation = claims.organisation as { name?: string; organisationsnummer?: string } | null | undefined;
  const unit = claims.unit as { name?: string; enhetskod?: string } | null | undefined;
  const roles = (claims.roles as Array<{ key: string; name: string }> | undefined) ?? [];
  const amr = Array.isArray(claims.amr) ? claims.amr.join(', ') : '';
  return `<p>Du är inloggad via Anordnarportalen. Det här fick Exempeltjänsten veta om dig:</p>
<dl>
<dt>Namn</dt><dd id="namn">${escapeHtml(String(claims.name ?? ''))}</dd>
<dt>Organisation</dt><dd id="organisation">${escapeHtml(organisation ? `${organisation.name} (${organisation.organisationsnummer})` : '–')}</dd>
<dt>Enhet</dt><dd id="enhet">${escapeHtml(unit ? `${unit.name} (enhetskod ${unit.enhetskod})` : '–')}</dd>
<dt>Roller</dt><dd id="roller"><ul>${roles.map((role) => `<li>${escapeHtml(role.name)} (${escapeHtml(role.key)})</li>`).join('')}</ul></dd>
<dt>Inloggningssätt</dt><dd id="inloggningssatt">${escapeHtml(amr)}</dd>
</dl>
<form method="post" action="/logga-ut"><button type="submit">Logga ut</button></form>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} – Exempeltjänsten</title></head>
<body><header><p>Exempeltjänsten – en e-tjänst för att prova inloggningen via Anordnarportalen</p></header><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'self'; form-action 'self' *" });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  return (req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name)?.[1];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64_000) req.destroy();
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
