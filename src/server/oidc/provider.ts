import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { interactionPolicy, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { claimsForGrant, findSubject } from '#server/oidc/accounts.ts';
import { endSessionByToken, sessionCookieName } from '#server/identity/session.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { postgresAdapter } from '#server/oidc/adapter.ts';

import { ensureSigningKey, loadSigningKeys, type SigningKeys } from '#server/oidc/keys.ts';
import type { Catalogue } from '#server/organisation/catalogue.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import type { Logger } from 'pino';
import type { Clock } from '#server/platform/clock.ts';

/** Where the provider is mounted: its issuer is PUBLIC_URL + this. */
export const OIDC_PREFIX = '/oidc';
/** The portal's page for every sign-in to an e-service (login, unit choice, refusal). */
export const INTERACTION_PATH = '/inloggning/tjanst';

/** Lifetimes, in seconds. Access follows administration: an access token lives five minutes. */
export const TOKEN_SECONDS = { accessToken: 300, authorizationCode: 60, idToken: 3600, interaction: 30 * 60 } as const;

/** Authentication context classes: a password alone, or a password and a second factor (or a passkey). */
export const ACR = { password: 'urn:anordnarportalen:ac:password', multiFactor: 'urn:anordnarportalen:ac:mfa' } as const;

const SCOPES = ['openid', 'profile', 'email', 'organisation', 'offline_access'];

/** The provider's own pages: logout confirmation, logged out, a refused request. */
export type OidcPageKind = 'logout' | 'loggedOut' | 'error';

export interface OidcDeps {
  config: Config;
  db: Db;
  clock: Clock;
  catalogue: Catalogue;
  log: Logger;
  /** Renders the provider's own few pages (logout, logged out, error) as the portal's. */
  page: (kind: OidcPageKind, params: { form?: string; service?: string; error?: string; description?: string }) => string;
}

/** The demo's public secret for a client that has none configured; production refuses to start instead. */
export const demoClientSecret = (clientId: string) => `demo-${clientId}-secret-not-for-production-use`;

/** The e-services the catalogue lets sign in through the portal, as oidc-provider clients. */
export function clientsFromCatalogue(catalogue: Catalogue, config: Config): ClientMetadata[] {
  return catalogue.services.flatMap((service) => {
    const oidc = service.oidc;
    if (!oidc) return [];
    const secret = config.oidcClientSecrets[oidc.clientId] ?? (config.demo ? demoClientSecret(oidc.clientId) : undefined);
    if (oidc.authMethod === 'client_secret_basic' && !secret) {
      throw new Error(`OIDC_CLIENT_SECRETS has no secret for the e-service ${oidc.clientId} that the catalogue lets sign in through the portal`);
    }
    return [
      {
        client_id: oidc.clientId,
        client_name: service.name,
        ...(oidc.authMethod === 'client_secret_basic' ? { client_secret: secret } : { jwks_uri: oidc.jwksUri }),
        token_endpoint_auth_method: oidc.authMethod,
        redirect_uris: oidc.redirectUris,
        post_logout_redirect_uris: oidc.postLogoutRedirectUris,
        ...(oidc.backchannelLogoutUri ? { backchannel_logout_uri: oidc.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      } satisfies ClientMetadata,
    ];
  });
}

function configuration(deps: OidcDeps, keys: SigningKeys): Configuration {
  const { config, db, catalogue } = deps;
  const sessionSeconds = config.rules.sessionAbsoluteHours * 3600;
  const policy = interactionPolicy.base();
  // Every sign-in to an e-service passes the portal's page, which knows the portal session
  // and asks for the unit: only a resume carrying the portal's answer goes straight on.
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check('portal_sign_in', 'every sign-in to an e-service goes through the portal', (ctx) =>
        ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );
  return {
    adapter: postgresAdapter(db),
    clients: clientsFromCatalogue(catalogue, config),
    jwks: { keys: keys.keys },
    cookies: { keys: [createHmac('sha256', config.secretKey).update('oidc-cookies').digest('base64url')] },
    scopes: SCOPES,
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      sid: null,
      // How the person authenticated goes with every sign-in: an e-service may ask for more.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email'],
      organisation: ['organisation', 'unit', 'roles'],
    },
    // The claims of the requested scopes go in the ID token too: the e-service needs no userinfo call.
    conformIdTokenClaims: false,
    acrValues: [ACR.password, ACR.multiFactor],
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt'],
    pkce: { required: () => true },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'], userinfoSigningAlgValues: ['ES256'], introspectionSigningAlgValues: ['ES256'] },
    clientDefaults: { id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'] },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: TOKEN_SECONDS.accessToken,
      AuthorizationCode: TOKEN_SECONDS.authorizationCode,
      IdToken: TOKEN_SECONDS.idToken,
      Interaction: TOKEN_SECONDS.interaction,
      // No longer than the portal session they came from; logout or inactivation ends them sooner.
      RefreshToken: sessionSeconds,
      Grant: sessionSeconds,
      Session: sessionSeconds,
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    findAccount: async (_ctx, sub, token) => {
      const grantId = token && 'grantId' in token ? (token.grantId as string | undefined) : undefined;
      if (!grantId) return (await findSubject(db, sub)) ? { accountId: sub, claims: () => ({ sub }) } : undefined;
      const claims = await claimsForGrant(db, catalogue, sub, grantId);
      if (!claims) return undefined;
      if (token?.kind === 'AuthorizationCode' && 'sid' in token && typeof token.sid === 'string') {
        // The session id the e-service gets in its ID token: back-channel logout names it.
        await db.updateTable('oidc_sign_in').set({ sid: token.sid }).where('grant_id', '=', grantId).where('sid', 'is', null).execute();
      }
      return { accountId: sub, claims: () => ({ ...claims }) };
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: false },
      revocation: { enabled: true },
      introspection: {
        enabled: true,
        // A token of an inactivated user is inactive at once, whatever the grant says.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId !== client.clientId) return false;
          const accountId = 'accountId' in token ? (token.accountId as string | undefined) : undefined;
          return accountId ? Boolean(await findSubject(db, accountId)) : true;
        },
      },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = deps.page('logout', { form, service: ctx.oidc.client?.clientName });
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = deps.page('loggedOut', { service: ctx.oidc.client?.clientName });
        },
      },
    },
    // The provider only calls addresses the authority itself put in the catalogue (back-channel
    // logout, a client's JWKS), often on its internal network: the guard against requests to
    // private addresses, made for dynamically registered clients, would refuse exactly those.
    fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined } as RequestInit),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = deps.page('error', { error: String(out.error ?? ''), description: String(out.error_description ?? '') });
    },
  };
}

export interface InteractionDetails {
  uid: string;
  clientId: string;
  scopes: string[];
  /** The provider's own address to continue the sign-in once the portal has answered. */
  returnTo: string;
}

/**
 * The OpenID provider of the process. It rebuilds itself when the signing keys change
 * (after `npm run admin -- rotate-keys` on any instance), checking at most every few seconds.
 */
export class OidcService {
  #provider: Provider | undefined;
  #callback: ReturnType<Provider['callback']> | undefined;
  #version = '';
  #checkedAt = 0;
  #building: Promise<Provider> | undefined;

  readonly deps: OidcDeps;
  constructor(deps: OidcDeps) {
    this.deps = deps;
  }

  get issuer(): string {
    return new URL(OIDC_PREFIX, this.deps.config.publicUrl).href;
  }

  /** The longest any key-signed token lives: a retired key stays in the JWKS this long. */
  static readonly KEY_KEEP_SECONDS = TOKEN_SECONDS.idToken + 300;

  async provider(): Promise<Provider> {
    const now = Date.now();
    if (this.#provider && now - this.#checkedAt < 5_000) return this.#provider;
    this.#building ??= this.#refresh().finally(() => {
      this.#building = undefined;
    });
    return this.#building;
  }

  async #refresh(): Promise<Provider> {
    const { db, config, clock } = this.deps;
    await ensureSigningKey(db, config.secretKey, clock.now());
    const keys = await loadSigningKeys(db, config.secretKey, OidcService.KEY_KEEP_SECONDS, clock.now());
    if (!this.#provider || keys.version !== this.#version) {
      const provider = new Provider(this.issuer, configuration(this.deps, keys));
      // Our front server has already set the scheme and host from PUBLIC_URL.
      provider.proxy = false;
      provider.use(async (ctx, next) => {
        await next();
        const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
        if (oidc?.route === 'end_session_confirm' && oidc.params?.logout) await this.#endPortalSession(ctx as KoaContextWithOIDC);
      });
      provider.on('server_error', (_ctx, error) => this.deps.log.error({ err: error }, 'oidc server error'));
      provider.on('backchannel.error', (_ctx, error, client) => this.deps.log.warn({ err: error, client: client.clientId }, 'back-channel logout failed'));
      this.#provider = provider;
      this.#callback = provider.callback();
      this.#version = keys.version;
    }
    this.#checkedAt = Date.now();
    return this.#provider;
  }

  /**
   * RP-initiated logout, confirmed by the user, ends the portal session too (the sweep then
   * logs out the other e-services of that session) and clears the portal's cookie.
   */
  async #endPortalSession(ctx: KoaContextWithOIDC): Promise<void> {
    const { db, clock, config } = this.deps;
    const name = sessionCookieName(config.secure);
    const userId = await endSessionByToken(db, ctx.cookies.get(name));
    ctx.cookies.set(name, null, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secure, overwrite: true });
    if (userId) {
      await recordAudit(db, {
        event: 'session.ended',
        at: clock.now(),
        actorUserId: userId,
        subjectUserId: userId,
        detail: { reason: 'logout from e-service' },
      });
    }
  }

  /** Handles a request under /oidc. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.provider();
    const original = req.url ?? '/';
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
    req.url = original.slice(OIDC_PREFIX.length) || '/';
    await this.#callback!(req, res);
  }

  /** The interaction a portal page request belongs to, from its cookie; undefined when gone. */
  async interaction(request: Request, uid: string): Promise<InteractionDetails | undefined> {
    const provider = await this.provider();
    try {
      const { req, res } = cookieCarrier(request, this.deps.config.secure);
      const interaction = await provider.interactionDetails(req, res);
      if (interaction.uid !== uid || typeof interaction.params.client_id !== 'string') return undefined;
      return {
        uid,
        clientId: interaction.params.client_id,
        scopes: String(interaction.params.scope ?? '')
          .split(' ')
          .filter((scope) => SCOPES.includes(scope)),
        returnTo: interaction.returnTo,
      };
    } catch {
      return undefined;
    }
  }

  /** Answers an interaction; returns where the browser goes next (the provider, which then redirects to the e-service). */
  async finish(request: Request, result: Parameters<Provider['interactionResult']>[2]): Promise<string> {
    const provider = await this.provider();
    const { req, res } = cookieCarrier(request, this.deps.config.secure);
    return provider.interactionResult(req, res, result, { mergeWithLastSubmission: false });
  }

  /** A grant for one sign-in: the scopes asked for, and nothing else. */
  async newGrant(accountId: string, clientId: string, scopes: string[]): Promise<string> {
    const provider = await this.provider();
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(scopes.join(' '));
    return grant.save();
  }

  /** Sends the back-channel logout token to one e-service; false when it has none or it failed. */
  async backchannelLogout(clientId: string, sub: string, sid: string): Promise<boolean> {
    const provider = await this.provider();
    const client = await provider.Client.find(clientId);
    if (!client?.backchannelLogoutUri) return false;
    try {
      await (client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }).backchannelLogout(sub, sid);
      return true;
    } catch (error) {
      this.deps.log.warn({ err: error, client: clientId }, 'back-channel logout failed');
      return false;
    }
  }
}

/**
 * oidc-provider reads its interaction cookie through a Koa context built from a Node
 * request: this carries an Astro page's cookie header in one. Nothing is written to it.
 */
function cookieCarrier(request: Request, secure: boolean): { req: IncomingMessage; res: ServerResponse } {
  const url = new URL(request.url);
  const req = {
    headers: { cookie: request.headers.get('cookie') ?? '', host: url.host },
    url: url.pathname,
    method: request.method,
    socket: { encrypted: secure },
    connection: { encrypted: secure },
  } as unknown as IncomingMessage;
  const res = { getHeader: () => undefined, setHeader: () => undefined, removeHeader: () => undefined } as unknown as ServerResponse;
  return { req, res };
}

export type { KoaContextWithOIDC };
