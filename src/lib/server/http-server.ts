import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isCrossSiteRequest } from './csrf.ts';
import { DYNAMIC_CACHE_CONTROL, inlineScriptHashes, securityHeaders } from './security-headers.ts';
import { encodingFor, loadStaticFiles, type StaticFile } from './static-files.ts';

export type AppHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void, locals?: object) => unknown;

export interface HttpServerOptions {
  clientDir: string;
  appHandler: AppHandler;
  publicOrigin: string;
  secure: boolean;
  log: Logger;
}

/** Forms here are small: a body beyond this is refused before anything reads it. */
export const MAX_BODY_BYTES = 256 * 1024;

const TOO_LARGE_PAGE = `<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>För mycket data</title></head>
<body><main><h1>För mycket data</h1><p>Formuläret innehöll för mycket data och kunde inte tas emot. Gå tillbaka och försök igen med kortare uppgifter.</p><p><a href="/">Till startsidan</a></p></main></body></html>`;

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

/** Astro sends reason phrases such as "AstroActionError": the standard phrase says enough and names no framework. */
function plainStatusText(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    // Astro sets `statusMessage` before it calls writeHead: back to Node's standard phrase.
    res.statusMessage = '';
    return writeHead(status, ...(typeof rest[0] === 'string' ? rest.slice(1) : rest));
  }) as typeof res.writeHead;
}

/**
 * Our front server: sets the security headers on every response, refuses cross-site
 * writes, serves prerendered files from `dist/client` itself (the adapter would skip
 * Astro middleware for them) and hands everything else to Astro.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const headers = securityHeaders(options.secure, inlineScriptHashes(htmlFiles(options.clientDir)));
  const files = existsSync(options.clientDir) ? loadStaticFiles(options.clientDir, headers) : new Map();

  return createServer((req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0];
    res.on('finish', () => {
      // The path only: query strings may carry codes and tokens.
      options.log.info({ reqId: requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });

    if (req.method === 'GET' || req.method === 'HEAD') {
      const file = files.get(safeDecode(path));
      if (file) return sendStatic(req, res, file, requestId);
    }
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);

    const host = req.headers.host;
    const allowed = [options.publicOrigin, ...(host ? [`http://${host}`, `https://${host}`] : [])];
    if (isCrossSiteRequest(req.method ?? 'GET', req.headers, allowed)) {
      res.writeHead(403, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': DYNAMIC_CACHE_CONTROL });
      res.end(FORBIDDEN_PAGE);
      return;
    }

    const length = Number(req.headers['content-length'] ?? 0);
    if (length > MAX_BODY_BYTES) {
      res.writeHead(413, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': DYNAMIC_CACHE_CONTROL, Connection: 'close' });
      res.end(TOO_LARGE_PAGE);
      req.resume();
      return;
    }

    const toApp = () => {
      res.setHeader('Cache-Control', DYNAMIC_CACHE_CONTROL);
      plainStatusText(res);
      Promise.resolve(options.appHandler(req, res, undefined, { requestId })).catch((error: unknown) => {
        options.log.error({ reqId: requestId, err: error }, 'unhandled error');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Ett tekniskt fel uppstod. Försök igen om en stund.');
      });
    };
    toApp();
  });
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
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, { ...file.headers, 'X-Request-Id': requestId });
    res.end();
    return;
  }
  const { body, encoding } = encodingFor(file, req.headers['accept-encoding']);
  res.writeHead(200, { ...file.headers, 'X-Request-Id': requestId, 'Content-Length': body.length, ...(encoding ? { 'Content-Encoding': encoding } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
