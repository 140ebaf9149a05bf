import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { staticCacheControl } from '#server/runtime/security-headers.ts';

/**
 * The prerendered site (dist/client), held in memory with its headers and compressed
 * variants computed once at start: serving a handbook page costs a map lookup.
 */
export interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  brotli?: Buffer;
  etag: string;
  headers: Record<string, string>;
  /** The same headers as one flat list, name and value in turn: Node writes such a list with less work per header than an object. */
  headerList: string[];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.pf_meta': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.pagefind': 'application/octet-stream',
};
const COMPRESSIBLE = /^(text\/|application\/(json|javascript)|image\/svg)/;
const MAX_FILE_BYTES = 5 * 1024 * 1024;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? walk(file) : [file];
  });
}

/**
 * URL paths → files. `x/index.html` answers `/x` and `/x/`; the error pages answer nothing
 * directly. The security headers may differ by file: `baseHeaders` is given each HTML
 * file's text (undefined for other files), so a page's CSP can allow just its own inline scripts.
 */
export function loadStaticFiles(
  clientDir: string,
  baseHeaders: Record<string, string> | ((html: string | undefined) => Record<string, string>),
): Map<string, StaticFile> {
  const headersFor = typeof baseHeaders === 'function' ? baseHeaders : () => baseHeaders;
  const files = new Map<string, StaticFile>();
  for (const file of walk(clientDir)) {
    const relative = `/${path.relative(clientDir, file).split(path.sep).join('/')}`;
    if (relative === '/404.html' || relative === '/500.html' || statSync(file).size > MAX_FILE_BYTES) continue;
    const body = readFileSync(file);
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
    const compressible = COMPRESSIBLE.test(type) && body.length > 512;
    const headers = {
      ...headersFor(type.startsWith('text/html') ? body.toString('utf8') : undefined),
      'Content-Type': type,
      'Cache-Control': staticCacheControl(relative),
      ETag: etag,
      ...(compressible ? { Vary: 'Accept-Encoding' } : {}),
    };
    const entry: StaticFile = {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
      brotli: compressible ? brotliCompressSync(body) : undefined,
      etag,
      headers,
      headerList: Object.entries(headers).flat(),
    };
    files.set(relative, entry);
    if (relative.endsWith('/index.html')) {
      const directory = relative.slice(0, -'index.html'.length);
      files.set(directory, entry);
      if (directory !== '/') files.set(directory.slice(0, -1), entry);
    } else if (relative.endsWith('.html')) {
      files.set(relative.slice(0, -'.html'.length), entry);
    }
  }
  return files;
}

/**
 * The weight an Accept-Encoding header gives a coding (RFC 9110 §12.5.3): its own q, else
 * that of `*`, else 0. `q=0` means "not this one", so a bare mention is not enough.
 */
function codingWeights(accept: string): (coding: string) => number {
  const weights = new Map<string, number>();
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((item) => item.trim());
    if (!name) continue;
    const q = params.map((param) => /^q=([0-9.]+)$/.exec(param)).find((match) => match !== null);
    weights.set(name, q ? Number(q[1]) || 0 : 1);
  }
  return (coding) => weights.get(coding) ?? weights.get('*') ?? 0;
}

/** Picks the smallest encoding the client accepts; identity when it accepts none. */
export function encodingFor(file: StaticFile, accept: string | undefined): { body: Buffer; encoding?: 'br' | 'gzip' } {
  if (!accept) return { body: file.body };
  const weight = codingWeights(accept);
  if (file.brotli && weight('br') > 0) return { body: file.brotli, encoding: 'br' };
  if (file.gzip && weight('gzip') > 0) return { body: file.gzip, encoding: 'gzip' };
  return { body: file.body };
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): `W/"x"` and `"x"` match, as does `*` or any tag of a list. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
