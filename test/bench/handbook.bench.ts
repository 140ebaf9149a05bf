/**
 * One handbook page: the bytes a first visit transfers, requests per second from our
 * server (logging on, as in production) beside a bare node:http server and nginx serving
 * the same file (wrk, 16 connections, alternating rounds), and Lighthouse's mobile scores for two pages.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { freePort } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { check, compare, ratio, memory, results, startPortal, startProcess, type Target } from './lib.ts';

const PAGE = '/handbok/logga-in';
const FILE = 'dist/client/handbok/logga-in/index.html';

function ensureTool(command: string, pkg: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status === 0) return true;
  console.log(`installing ${pkg} with apt-get …`);
  spawnSync('sh', ['-c', `apt-get install -y -qq ${pkg} >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ${pkg} >/dev/null 2>&1)`]);
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** wrk (a child process: its CPU is the client's, counted when it is reaped) for `seconds` at 16 connections. */
async function wrk(url: string, seconds: number): Promise<{ perSecond: number; count: number }> {
  const { stdout } = await promisify(execFile)('wrk', ['-t2', '-c16', `-d${seconds}s`, url], { encoding: 'utf8' });
  return { perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0), count: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0) };
}

async function coldBytes(base: string): Promise<number> {
  const html = await (await fetch(`${base}${PAGE}`)).text();
  let total = Buffer.byteLength(html);
  const assets = [...html.matchAll(/<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"/g)].map((match) => match[1]);
  for (const asset of assets) total += (await (await fetch(new URL(asset, base))).arrayBuffer()).byteLength;
  return total;
}

export default async function bench(): Promise<void> {
  const dir = tempDir('bench-handbook');
  const cluster = await startEmbeddedPostgres({ dir: path.join(dir.path, 'pg'), port: await freePort(), database: 'bench', fast: true });
  const db = createDb(cluster.url, 2);
  await migrateToLatest(db);
  await db.destroy();
  const stops: Array<() => Promise<unknown>> = [];
  try {
    // Logging at info through pino's normal path, to a file: as in production.
    const server = await startPortal({ DATABASE_URL: cluster.url }, path.join(dir.path, 'portal.log'));
    stops.push(() => server.stop());
    const bare = await startProcess('test/bench/peers/static-server.ts', { BENCH_FILE: path.resolve(FILE) }, path.join(dir.path, 'bare.log'));
    stops.push(() => bare.stop());
    // The headers our server sends for the page as wrk asks for it (no compression), but those
    // node:http adds itself. The peer sends the one request id it got here on every response.
    const sent = await fetch(`${server.url}${PAGE}`, { headers: { 'Accept-Encoding': 'identity' } });
    const own = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    const headers = [...sent.headers].filter(([name]) => !own.has(name)).flat();
    await sent.arrayBuffer();
    const headed = await startProcess(
      'test/bench/peers/static-server.ts',
      { BENCH_FILE: path.resolve(FILE), BENCH_HEADERS: JSON.stringify(headers) },
      path.join(dir.path, 'headed.log'),
    );
    stops.push(() => headed.stop());
    console.log(`bytes on a first visit to ${PAGE} (HTML, CSS, scripts; uncompressed): ${((await coldBytes(server.url)) / 1024).toFixed(1)} KB (goal ≤ 60 KB)`);
    if (!ensureTool('wrk', 'wrk')) {
      console.log('wrk is not available: requests per second not measured');
    } else {
      const targets: Target[] = [
        { name: 'ours: prerendered page, logging on', clients: 16, external: (s) => wrk(`${server.url}${PAGE}`, s), pids: { server: server.pid } },
        { name: 'bare node:http, the same file', clients: 16, external: (s) => wrk(`${bare.url}/`, s), pids: { server: bare.pid } },
        {
          name: 'node:http, the same file and our headers, no logging',
          clients: 16,
          external: (s) => wrk(`${headed.url}/`, s),
          pids: { server: headed.pid },
        },
      ];
      if (ensureTool('nginx', 'nginx')) {
        const port = await freePort();
        const conf = path.join(dir.path, 'nginx.conf');
        writeFileSync(
          conf,
          `daemon off; master_process off; worker_processes 1; pid ${dir.path}/nginx.pid; error_log ${dir.path}/error.log;
events { worker_connections 256; }
http { access_log off; include /etc/nginx/mime.types; server { listen 127.0.0.1:${port}; root ${path.resolve('dist/client')}; location / { try_files $uri $uri/index.html =404; } } }`,
        );
        const nginx = spawn('nginx', ['-c', conf], { stdio: 'ignore' });
        stops.push(async () => nginx.kill('SIGTERM'));
        await new Promise((resolve) => setTimeout(resolve, 500));
        targets.push({ name: 'nginx, the same file', clients: 16, external: (s) => wrk(`http://127.0.0.1:${port}${PAGE}`, s), pids: { server: nginx.pid! } });
      }
      const [ours, node, sameHeaders] = await compare('prerendered handbook page (wrk, 16 connections)', targets);
      check('4. handbook page / bare node:http', `${(ratio(ours, node) * 100).toFixed(0)} %`, '≥ 80 %', ratio(ours, node) >= 0.8);
      const note = (what: string, value: number) => `${what}: ${(value * 100).toFixed(0)} % (medians of the per-round ratios).`;
      results.notes.push(
        note(`Handbook page, node:http sending our ${headers.length / 2} headers (no logging) / bare node:http`, ratio(sameHeaders, node)),
        note('Handbook page, ours / node:http sending the same headers (no logging)', ratio(ours, sameHeaders)),
      );
      for (const line of results.notes.slice(-2)) console.log(line);
      memory('portal after the static bench', server.pid);
    }
    await lighthouse(server.url);
  } finally {
    for (const stop of stops.reverse()) await stop();
    await cluster.stop();
    dir.remove();
  }
}

/**
 * Lighthouse is not a dependency (84 packages for this one optional measurement): it runs
 * when installed for the occasion with `npm install --no-save lighthouse`.
 */
async function lighthouse(base: string): Promise<void> {
  type Run = (url: string, flags: object) => Promise<{ lhr: { categories: Record<string, { title: string; score: number | null }> } } | undefined>;
  type Launch = (options: object) => Promise<{ port: number; kill(): Promise<void> }>;
  let run: Run;
  let launch: Launch;
  try {
    // Names in variables: neither package is installed unless the reader chose to.
    const [lighthousePackage, launcherPackage] = ['lighthouse', 'chrome-launcher'];
    run = ((await import(lighthousePackage)) as { default: Run }).default;
    launch = ((await import(launcherPackage)) as { launch: Launch }).launch;
  } catch {
    console.log('Lighthouse: not installed; `npm install --no-save lighthouse` and run again to add its scores.');
    return;
  }
  const chrome = await launch({
    chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    for (const page of ['/handbok/logga-in', '/handbok/anvandare-och-roller']) {
      const result = await run(`${base}${page}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
        formFactor: 'mobile',
      });
      const scores = Object.values(result?.lhr.categories ?? {}).map((category) => `${category.title} ${Math.round((category.score ?? 0) * 100)}`);
      console.log(`Lighthouse (mobile) ${page}: ${scores.join(', ')}`);
    }
  } finally {
    await chrome.kill();
  }
}
