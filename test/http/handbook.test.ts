import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { pageText } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const CLIENT = 'dist/client';

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? htmlFiles(file) : name.endsWith('.html') ? [file] : [];
  });
}

const ids = (html: string) => new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]));

describe('the handbook over HTTP', () => {
  let t: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('has no broken internal link or anchor anywhere in the built site', async () => {
    const pages = htmlFiles(CLIENT);
    expect(pages.length).toBeGreaterThan(15);
    const checked = new Map<string, { status: number; html: string }>();
    const broken: string[] = [];
    for (const file of pages) {
      const html = readFileSync(file, 'utf8');
      const here = `/${path
        .relative(CLIENT, file)
        .replace(/(^|\/)index\.html$/, '')
        .replace(/\.html$/, '')}`;
      for (const [, raw] of html.matchAll(/\shref="([^"]+)"/g)) {
        const href = raw.replace(/&amp;/g, '&');
        if (/^(https?:|mailto:|tel:)/.test(href)) continue;
        const [target, anchor] = href.split('#');
        if (target === '') {
          // An anchor on the same page: look in this file.
          if (anchor && !ids(html).has(decodeURIComponent(anchor))) broken.push(`${here} → ${href} (no #${anchor})`);
          continue;
        }
        const route = target;
        if (!checked.has(route)) {
          const response = await fetch(`${server.url}${route}`);
          checked.set(route, { status: response.status, html: response.headers.get('content-type')?.includes('html') ? await response.text() : '' });
        }
        const found = checked.get(route)!;
        if (found.status >= 400) broken.push(`${here} → ${href} (${found.status})`);
        else if (anchor && !ids(found.html).has(decodeURIComponent(anchor))) broken.push(`${here} → ${href} (no #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('takes feedback without JavaScript and throttles a flood from one client with 429 in Swedish', async () => {
    const post = (fields: Record<string, string>) =>
      fetch(`${server.url}/handbok/tyck-till`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
        body: new URLSearchParams(fields).toString(),
      });
    const first = await post({ page: 'logga-in', helpful: 'nej', comment: 'Saknar info om låsning.' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/handbok/tack?sida=logga-in');
    expect((await post({ page: 'finns-inte', helpful: 'ja' })).status).toBe(400);
    expect((await post({ page: 'logga-in', helpful: 'kanske' })).status).toBe(400);
    expect((await post({ page: 'logga-in', helpful: 'ja', comment: 'x'.repeat(1001) })).status).toBe(400);
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await post({ page: 'logga-in', helpful: 'ja' })).status);
    expect(statuses.filter((status) => status === 303).length).toBe(9);
    const limited = await post({ page: 'logga-in', helpful: 'ja' });
    expect(limited.status).toBe(429);
    expect(pageText(await limited.text())).toContain('Du har skickat många svar på kort tid');
    const rows = await t.db.selectFrom('handbook_feedback').select(['page', 'helpful', 'comment']).where('helpful', '=', false).execute();
    expect(rows).toEqual([{ page: 'logga-in', helpful: false, comment: 'Saknar info om låsning.' }]);
  });

  it('offers Användarhandbok as one tagged PDF with every page title, under 400 KB', async () => {
    const dir = tempDir('handbook-pdf');
    try {
      const response = await fetch(`${server.url}/handbok/anvandarhandbok.pdf`);
      expect(response.status).toBe(200);
      const file = path.join(dir.path, 'handbok.pdf');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.length).toBeLessThan(400 * 1024);
      writeFileSync(file, bytes);
      expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Tagged:\s+yes/);
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/\s+/g, ' ');
      for (const md of readdirSync('src/content/handbok')) {
        const title = /title: "([^"]+)"/.exec(readFileSync(path.join('src/content/handbok', md), 'utf8'))![1];
        expect(text, title).toContain(title);
      }
      expect(text).toContain('Innehåll');
    } finally {
      dir.remove();
    }
  });

  // Before the rebuild below: its seconds of idle let the server close the kept-alive connection this test would reuse.
  it('keeps a handbook page within 60 KB on a first visit, everything it loads included (system fonts: none)', async () => {
    const base = server.url;
    const seen = new Set<string>();
    let total = 0;
    const load = async (url: string): Promise<string> => {
      const response = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
      expect(response.status, url).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      total += body.length;
      return body.toString('utf8');
    };
    const follow = async (from: string, references: string[]) => {
      for (const reference of references) {
        const url = new URL(reference, from);
        if (url.origin !== new URL(base).origin || seen.has(url.href)) continue;
        seen.add(url.href);
        const body = await load(url.href);
        // What the loaded file loads in turn: a stylesheet's url() and @import, a script's static imports.
        if (url.pathname.endsWith('.css'))
          await follow(
            url.href,
            [...body.matchAll(/url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)/g)]
              .map((m) => m[1] ?? m[2]!)
              .filter((u) => !u.startsWith('data:') && !u.startsWith('#')),
          );
        if (url.pathname.endsWith('.js'))
          await follow(
            url.href,
            [...body.matchAll(/(?:^|[;\s}])import\s*(?:[^'"()]*?from\s*)?["']([^"']+)["']/g)].map((m) => m[1]!),
          );
      }
    };
    const page = `${base}/handbok/logga-in`;
    const html = await load(page);
    const references = [...html.matchAll(/<(?:link|script|img|source)\b[^>]*?\s(?:href|src)="([^"]+)"/g)]
      .map((match) => match[1]!.replace(/&amp;/g, '&'))
      .filter((href) => /\.(css|js|mjs|svg|woff2?|ttf|otf|png|webp|jpg)(\?|$)/.test(href));
    await follow(page, references);
    expect([...seen].some((url) => url.endsWith('.css'))).toBe(true);
    expect(
      [...seen].some((url) => /\.(woff2?|ttf|otf)$/.test(url)),
      'no web font: the system font stack',
    ).toBe(false);
    expect(total, `${(total / 1024).toFixed(1)} KB: ${[...seen].join(', ')}`).toBeLessThanOrEqual(60 * 1024);
  });

  it('prints the configured numbers, and other numbers after a rebuild with other settings', () => {
    const page = (root: string) => readFileSync(path.join(root, 'handbok/last-konto-och-regler-for-losenord/index.html'), 'utf8');
    expect(pageText(page(CLIENT))).toContain('fler än 3 gånger i följd låses kontot i 30 minuter');
    // Inside the project, so that the build's server chunks find node_modules.
    const out = path.resolve(`.data/test-build-${process.pid}`);
    const logo = path.resolve(`.data/test-logo-${process.pid}.svg`);
    mkdirSync(path.dirname(logo), { recursive: true });
    writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle id="provlogga" cx="5" cy="5" r="4"/></svg>');
    try {
      const build = spawnSync(path.resolve('node_modules/.bin/astro'), ['build', '--force', '--outDir', out], {
        encoding: 'utf8',
        env: {
          ...process.env,
          ASTRO_TELEMETRY_DISABLED: '1',
          LOCKOUT_MAX_FAILURES: '5',
          LOCKOUT_MINUTES: '45',
          PASSWORD_MAX_AGE_MONTHS: '9',
          SESSION_IDLE_MINUTES: '25',
          LOGO_FILE: logo,
          BRAND_COLOUR: '#0B5A2A',
          AUTHORITY_NAME: 'Provverket',
        },
      });
      expect(build.status, build.stderr).toBe(0);
      const client = existsSync(path.join(out, 'client')) ? path.join(out, 'client') : out;
      const text = pageText(page(client));
      expect(text).toContain('fler än 5 gånger i följd låses kontot i 45 minuter');
      expect(text).toContain('gäller i 9 månader');
      expect(pageText(readFileSync(path.join(client, 'handbok/automatisk-utloggning/index.html'), 'utf8'))).toContain('på 25 minuter');
      // The identity: the logo inlined and named by the authority, the brand colour in its stylesheet.
      const start = readFileSync(path.join(client, 'index.html'), 'utf8');
      expect(start).toMatch(/<svg[^>]*role="img" aria-label="Provverket"[^>]*><circle id="provlogga"/);
      expect(readFileSync(path.join(client, 'identitet.css'), 'utf8')).toContain('--color-brand:#0b5a2a');
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(logo, { force: true });
    }
  }, 120_000);
});
