import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AppContext, forRequest } from '#server/platform/context.ts';
import { logRequest } from '#server/platform/log.ts';
import { clientAddressResolver, type TrustProxy } from '#server/platform/client-address.ts';
import { isCrossSiteRequest } from '#server/runtime/csrf.ts';
import { sessionStatusHandler } from '#server/runtime/session-status.ts';
import { registerApiHandler, registerResource } from '#server/runtime/register-api.ts';
import type { Translate } from '#server/register/api.ts';
import { OIDC_PREFIX, type OidcService } from '#server/oidc/provider.ts';
import type { Catalogue } from '#server/organisation/catalogue.ts';
import { loggedPath } from '#server/runtime/log-path.ts';
import { readBody, hasNulByte } from '#server/runtime/request-body.ts';
import { DYNAMIC_CACHE_CONTROL, inlineScriptHashes, securityHeaders } from '#server/runtime/security-headers.ts';
import { requestIds } from '#server/runtime/request-id.ts';
import { encodingFor, loadStaticFiles, matchesEtag, type StaticFile } from '#server/runtime/static-files.ts';

export type AppHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void, locals?: object) => unknown;

export interface HttpServerOptions {
  clientDir: string;
  appHandler: AppHandler;
  /** PUBLIC_URL: the portal's own origin for every check, whatever the socket or Host header says. */
  publicUrl: URL;
  trustProxy: TrustProxy;
  secure: boolean;
  /** The process's context: each request gets it, with a logger that names the request. */
  app: AppContext;
  /** The OpenID provider, mounted under /oidc. */
  oidc?: OidcService;
  /** The open API's Swedish problem texts (from the web layer): with them, the front server answers the API itself. */
  apiText?: Translate;
  /**
   * The login form's plain post, answered without the page machinery when it succeeds (from
   * the web layer). True when it answered; it may instead hand the request on with locals.
   */
  loginForm?: FormHandler;
}

export type FormHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer, toApp: (locals: object) => void) => Promise<boolean>;

/** Forms here are small: a body beyond this is refused before anything reads it. */
const MAX_BODY_BYTES = 256 * 1024;

const TOO_LARGE_PAGE = `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>För mycket data</title></head>
<body><main><h1>För mycket data</h1><p>Formuläret innehöll för mycket data och kunde inte tas emot. Gå tillbaka och försök igen med kortare uppgifter.</p><p><a href="/">Till startsidan</a></p></main></body></html>`;

const BAD_REQUEST_PAGE = `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Felaktiga tecken</title></head>
<body><main><h1>Felaktiga tecken</h1><p>Adressen eller formuläret innehöll ett tecken som inte kan tas emot (ett nolltecken). Gå tillbaka, ta bort tecknet och försök igen.</p><p><a href="/">Till startsidan</a></p></main></body></html>`;

const BAD_REQUEST_PROBLEM = JSON.stringify({
  type: 'about:blank',
  title: 'Felaktig förfrågan',
  status: 400,
  detail: 'Adressen eller innehållet innehöll ett nolltecken (U+0000), som inte tas emot.',
});

const FORBIDDEN_PAGE = `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Förfrågan stoppades</title></head>
<body><main><h1>Förfrågan stoppades</h1><p>Formuläret skickades från en annan webbplats och togs inte emot. Gå till Anordnarportalen och försök igen därifrån.</p><p><a href="/">Till startsidan</a></p></main></body></html>`;

/** The prerendered pages' HTML, read once at start. */
function htmlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return htmlFiles(file);
    return name.endsWith('.html') ? [readFileSync(file, 'utf8')] : [];
  });
}

/**
 * Last look at what the app answers. Astro sends reason phrases such as
 * "AstroActionError": the standard phrase says enough and names no framework. And a
 * response that a shared cache may keep must not carry a cookie, or the cache would hand
 * one visitor's cookie to the next: such a response becomes private.
 */
function guardResponse(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    // Astro sets `statusMessage` before it calls writeHead: back to Node's standard phrase.
    res.statusMessage = '';
    const args = typeof rest[0] === 'string' ? rest.slice(1) : rest;
    const given = (args[0] ?? {}) as Record<string, unknown>;
    const header = (name: string) => Object.entries(given).find(([key]) => key.toLowerCase() === name)?.[1] ?? res.getHeader(name);
    if (header('set-cookie') !== undefined && /\bpublic\b/.test(String(header('cache-control') ?? ''))) {
      for (const key of Object.keys(given)) if (key.toLowerCase() === 'cache-control') delete given[key];
      res.setHeader('Cache-Control', DYNAMIC_CACHE_CONTROL);
    }
    return writeHead(status, ...args);
  }) as typeof res.writeHead;
}

/**
 * Our front server: sets the security headers on every response, refuses cross-site
 * writes, serves prerendered files from `dist/client` itself (the adapter would skip
 * Astro middleware for them) and hands everything else to Astro.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const origins = clientOrigins(options.app.catalogue);
  const headers = securityHeaders(options.secure, inlineScriptHashes(htmlFiles(options.clientDir)), origins);
  // A prerendered page's CSP allows only its own inline scripts: shorter, and stricter. Other files run none.
  const files = existsSync(options.clientDir)
    ? loadStaticFiles(options.clientDir, (html) => securityHeaders(options.secure, html === undefined ? [] : inlineScriptHashes([html]), origins))
    : new Map();

  const resolveClient = clientAddressResolver(options.trustProxy);
  const sessionStatus = sessionStatusHandler(options.app);
  const registerApi = options.apiText ? registerApiHandler(options.app, options.apiText, options.publicUrl.origin) : undefined;
  const publicOrigin = options.publicUrl.origin;
  const nextRequestId = requestIds();

  return createServer((req, res) => {
    const started = performance.now();
    const requestId = nextRequestId();
    const path = (req.url ?? '/').split('?')[0];
    // The path only, with capability tokens cut out: query strings and some paths carry codes and tokens.
    const logLine = () =>
      logRequest(options.app.log, {
        reqId: requestId,
        method: req.method,
        path: loggedPath(path),
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      });

    if (req.method === 'GET' || req.method === 'HEAD') {
      const file = files.get(path.includes('%') ? safeDecode(path) : path);
      if (file) {
        // Answered from memory in one write: logged at once, without a listener per request.
        // The path is a file's, with no token to cut out.
        sendStatic(req, res, file, requestId);
        return logRequest(options.app.log, { reqId: requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) });
      }
    }
    res.on('finish', logLine);
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const fail = (status: number, page: string, extra: Record<string, string> = {}) => {
      const api = path.startsWith('/api/');
      res.writeHead(status, {
        'Content-Type': api && status === 400 ? 'application/problem+json; charset=utf-8' : 'text/html; charset=utf-8',
        'Cache-Control': DYNAMIC_CACHE_CONTROL,
        ...extra,
      });
      res.end(api && status === 400 ? BAD_REQUEST_PROBLEM : page);
    };

    if (isCrossSiteRequest(req.method ?? 'GET', req.headers, [publicOrigin])) return fail(403, FORBIDDEN_PAGE);
    if (hasNulByte(safeDecode(req.url ?? '/'))) return fail(400, BAD_REQUEST_PAGE);

    presentAsPublic(req, options.publicUrl, resolveClient(req));

    // A failure after the request was taken: logged with its id, a plain Swedish 500 to the client.
    const serverError = (what: string) => (error: unknown) => {
      options.app.log.error({ reqId: requestId, err: error }, what);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Ett tekniskt fel uppstod. Försök igen om en stund.');
    };
    const oidc = options.oidc;
    const toProvider = () => {
      Promise.resolve(oidc!.handle(req, res)).catch(serverError('oidc error'));
    };
    const toApp = (extraLocals: object = {}) => {
      if (oidc && (path === OIDC_PREFIX || path.startsWith(`${OIDC_PREFIX}/`))) return toProvider();
      res.setHeader('Cache-Control', DYNAMIC_CACHE_CONTROL);
      guardResponse(res);
      Promise.resolve(options.appHandler(req, res, undefined, { ...extraLocals, requestId, app: forRequest(options.app, requestId) })).catch(
        serverError('unhandled error'),
      );
    };
    if (req.method === 'GET' && path === '/api/session') {
      return sessionStatus(req, res).catch(serverError('session status failed'));
    }
    const resource = registerApi && req.method === 'GET' ? registerResource(path) : undefined;
    if (resource) {
      res.setHeader('Cache-Control', DYNAMIC_CACHE_CONTROL);
      return registerApi!(req, res, resource, String(req.headers['x-forwarded-for'])).catch(serverError('open API failed'));
    }
    if (req.method === 'GET' || req.method === 'HEAD') return toApp();

    // Read the body here, sized or chunked, so that a large one gets the same 413 and NUL bytes a 400.
    readBody(req, MAX_BODY_BYTES).then(
      (body) => {
        if (body === 'too-large') return fail(413, TOO_LARGE_PAGE, { Connection: 'close' });
        if (hasNulByte(body, req.headers['content-type'])) return fail(400, BAD_REQUEST_PAGE);
        // The adapter takes a body already read from `req.body`.
        (req as IncomingMessage & { body?: Buffer }).body = body;
        if (!options.loginForm) return toApp();
        res.setHeader('Cache-Control', DYNAMIC_CACHE_CONTROL);
        options.loginForm(req, res, body, toApp).then((answered) => answered || toApp(), serverError('login failed'));
      },
      () => res.destroy(),
    );
  });
}

/**
 * Astro builds a request's URL and origin from the socket (plain http behind a TLS proxy)
 * and the Host header, and its client address from `X-Forwarded-For`. Here every one of
 * those says what is true: the URL is PUBLIC_URL's, the client is the address resolved
 * through the trusted proxies, and no other forwarded header reaches the app.
 */
function presentAsPublic(req: IncomingMessage, publicUrl: URL, client: string): void {
  for (const name of ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded']) delete req.headers[name];
  req.headers.host = publicUrl.host;
  req.headers['x-forwarded-for'] = client;
  if (publicUrl.protocol === 'https:' && !('encrypted' in req.socket)) {
    // The adapter reads the scheme only from `socket.encrypted`; TLS ended at the proxy in front.
    Object.defineProperty(req.socket, 'encrypted', { value: true, configurable: true });
  }
}

/** The origins of the e-services' redirect and post-logout URIs: where a sign-in may end. */
function clientOrigins(catalogue: Catalogue): string[] {
  const uris = catalogue.services.flatMap((service) => (service.oidc ? [...service.oidc.redirectUris, ...service.oidc.postLogoutRedirectUris] : []));
  return [...new Set(uris.map((uri) => new URL(uri).origin))];
}

function safeDecode(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/** A prerendered file from memory: one writeHead with the precomputed headers, 304 when the client has it. */
function sendStatic(req: IncomingMessage, res: ServerResponse, file: StaticFile, requestId: string): void {
  if (matchesEtag(rawHeader(req, 'if-none-match'), file.etag)) {
    res.writeHead(304, [...file.headerList, 'X-Request-Id', requestId]);
    res.end();
    return;
  }
  const { body, encoding } = encodingFor(file, rawHeader(req, 'accept-encoding'));
  const headers = [...file.headerList, 'X-Request-Id', requestId, 'Content-Length', String(body.length)];
  if (encoding) headers.push('Content-Encoding', encoding);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * One request header, read from the list as it came: `req.headers` builds an object of
 * them all on first use, which a file served from memory does not otherwise need.
 * Repeated headers are joined with commas, as `req.headers` joins these two.
 */
function rawHeader(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === name.length && raw[i].toLowerCase() === name) value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
  }
  return value;
}
