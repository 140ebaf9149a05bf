import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodingFor, loadStaticFiles, matchesEtag } from '#server/runtime/static-files.ts';
import { inlineScriptHashes, securityHeaders } from '#server/runtime/security-headers.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('the prerendered files in memory', () => {
  const dir = tempDir('static');
  afterAll(() => dir.remove());
  const page = `<!doctype html><title>Handbok</title>${'<p>Så loggar du in.</p>'.repeat(100)}`;
  mkdirSync(path.join(dir.path, 'handbok'));
  writeFileSync(path.join(dir.path, 'handbok', 'index.html'), page);
  writeFileSync(path.join(dir.path, 'liten.txt'), 'för liten för att packa');
  writeFileSync(path.join(dir.path, '404.html'), 'saknas');
  const files = loadStaticFiles(dir.path, { 'X-Frame-Options': 'DENY' });
  const handbook = files.get('/handbok')!;

  it('answer a folder with and without its slash and by its index file, and never serve the error pages directly', () => {
    expect(handbook.body.toString()).toBe(page);
    expect(files.get('/handbok/')).toBe(handbook);
    expect(files.get('/handbok/index.html')).toBe(handbook);
    expect(files.has('/404.html')).toBe(false);
    expect(handbook.headers).toMatchObject({
      'X-Frame-Options': 'DENY',
      'Content-Type': 'text/html; charset=utf-8',
      ETag: handbook.etag,
      Vary: 'Accept-Encoding',
    });
  });

  it("give each page a CSP that allows its own inline scripts and no other page's, and other files none", () => {
    const scripts = tempDir('static-csp');
    try {
      writeFileSync(path.join(scripts.path, 'a.html'), '<!doctype html><script>console.log("a")</script>');
      writeFileSync(path.join(scripts.path, 'b.html'), '<!doctype html><script>console.log("b")</script>');
      writeFileSync(path.join(scripts.path, 'app.js'), 'console.log("c")');
      const loaded = loadStaticFiles(scripts.path, (html) => securityHeaders(false, html === undefined ? [] : inlineScriptHashes([html])));
      const [hashA] = inlineScriptHashes(['<script>console.log("a")</script>']);
      const [hashB] = inlineScriptHashes(['<script>console.log("b")</script>']);
      const csp = (file: string) => loaded.get(file)!.headers['Content-Security-Policy'];
      expect(csp('/a.html')).toContain(`'${hashA}'`);
      expect(csp('/a.html')).not.toContain(`'${hashB}'`);
      expect(csp('/b.html')).toContain(`'${hashB}'`);
      expect(csp('/b.html')).not.toContain(`'${hashA}'`);
      expect(csp('/app.js')).not.toContain('sha256-');
      expect(loaded.get('/a')!.headerList).toEqual(Object.entries(loaded.get('/a')!.headers).flat());
    } finally {
      scripts.remove();
    }
  });

  it.each([
    ['br, gzip', 'br'],
    ['gzip, deflate', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['BR;Q=0, GZIP;q=0.5', 'gzip'],
    ['*', 'br'],
    ['*;q=0', undefined],
    ['gzip;q=0, *', 'br'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
    ['', undefined],
  ])('given Accept-Encoding "%s", send %s', (accept, expected) => {
    const { body, encoding } = encodingFor(handbook, accept);
    expect(encoding).toBe(expected);
    if (encoding === 'gzip') expect(gunzipSync(body).toString()).toBe(page);
    if (encoding === undefined) expect(body).toBe(handbook.body);
  });

  it('send a small file as it is, whatever the client accepts', () => {
    const small = files.get('/liten.txt')!;
    expect(small.gzip).toBeUndefined();
    expect(encodingFor(small, 'br, gzip')).toEqual({ body: small.body });
  });

  it('compare If-None-Match weakly: a weak tag, a tag in a list and * match; another tag does not', () => {
    const etag = handbook.etag;
    expect(matchesEtag(etag, etag)).toBe(true);
    expect(matchesEtag(`W/${etag}`, etag)).toBe(true);
    expect(matchesEtag(`"annan", W/${etag}`, etag)).toBe(true);
    expect(matchesEtag('*', etag)).toBe(true);
    expect(matchesEtag('"annan"', etag)).toBe(false);
    expect(matchesEtag(`${etag.slice(0, -2)}"`, etag)).toBe(false);
    expect(matchesEtag(undefined, etag)).toBe(false);
  });
});
