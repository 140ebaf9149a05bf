/**
 * The bench's common parts: servers started as in production, a light HTTP client,
 * warm-up and alternating rounds, CPU per operation from /proc, and the results that
 * run.ts writes to bench/results/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { freePort } from '../helpers/ports.ts';

// Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux).
const TICK_MS = 10;

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
export const ROUND_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 2);

export const percentile = (values: number[], p: number) =>
  values.length ? [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] : 0;
export const median = (values: number[]) => percentile(values, 0.5);

/** CPU milliseconds a process has used, its reaped children included (a postmaster's exited backends). */
export function cpuMs(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields from state (3rd) on: utime is the 14th field, stime 15th, cutime 16th, cstime 17th.
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return (utime + stime + (withChildren ? cutime + cstime : 0)) * TICK_MS;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** The whole cluster's CPU: the postmaster (with the backends that have exited) and every live child. */
export function postgresCpuMs(dataDir: string): number {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return 0;
  const postmaster = Number(readFileSync(file, 'utf8').split('\n')[0]);
  let total = cpuMs(postmaster, true);
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (pid && parentOf(pid) === postmaster) total += cpuMs(pid);
  }
  return total;
}

/** This process and the children it has waited for (wrk): the client's side of a measurement. */
export const clientCpuMs = () => cpuMs(process.pid, true);

export function residentMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export interface BenchServer {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `node <script>` as a production process: LOG_LEVEL info, the log written through
 * pino's normal path to a file, the outbox at its default interval. Ready once it answers.
 */
export async function startProcess(
  script: string,
  env: Record<string, string>,
  logFile: string,
  readyPath = '/',
  nodeFlags: string[] = [],
): Promise<BenchServer> {
  const port = Number(env.PORT ?? (await freePort()));
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeFlags, script], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      SKIP_BUILD_CHECK: 'true',
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_MODE: 'demo',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
      // For profiling a run (e.g. --cpu-prof); empty otherwise.
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const response = await fetch(`${url}${readyPath}`);
      await response.arrayBuffer();
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${script} did not start:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The Node flags of `npm start` (package.json's start script), which production runs. */
export function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const match = /^node((?: --\S+)*) src\/cli\/start\.ts$/.exec(scripts.start);
  if (!match) throw new Error(`package.json's start script is not "node [flags] src/cli/start.ts": ${scripts.start}`);
  return match[1].split(' ').filter(Boolean);
}

/** The portal as `npm start` runs it in production: the same script and Node flags. */
export const startPortal = async (env: Record<string, string>, logFile: string) =>
  startProcess('src/cli/start.ts', { SMTP_SINK_PORT: String(await freePort()), ...env }, logFile, '/handbok/logga-in', startFlags());

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

// Keep-alive connections as a browser or a load balancer keeps them; one socket per client loop.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** A small HTTP client on node:http: far less CPU per request than fetch, which leaves the cores to the servers. */
export function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed while idle (its keep-alive timeout between
      // phases): the request never reached it, so it is sent again on a new one, as Node's docs advise.
      if (req.reusedSocket && error.code === 'ECONNRESET') http(url, options).then(resolve, reject);
      else reject(error);
    });
    req.end(options.body);
  });
}

export interface Load {
  perSecond: number;
  durations: number[];
  count: number;
  /** CPU ms per operation: the client (this process), each measured server process, Postgres. */
  cpu: Record<string, number>;
}

export interface Target {
  name: string;
  /** The work of one operation; `n` counts operations across all clients (for distinct queries). */
  work?: (client: number, n: number) => Promise<void>;
  /** Or an external load generator (wrk) that returns the operations it completed and their rate. */
  external?: (seconds: number) => Promise<{ perSecond: number; count: number; p95?: number }>;
  clients: number;
  /** Processes whose CPU counts for this target, by label. */
  pids?: Record<string, number>;
  pgDir?: string;
}

/** Runs `work` from `clients` loops for `seconds`; returns the rate, each duration and the CPU per operation. */
export async function load(target: Target, seconds: number): Promise<Load> {
  const before = snapshot(target);
  const durations: number[] = [];
  const started = performance.now();
  let count = 0;
  let perSecond = 0;
  let p95: number | undefined;
  if (target.external) {
    const result = await target.external(seconds);
    count = result.count;
    perSecond = result.perSecond;
    p95 = result.p95;
  } else {
    const end = started + seconds * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: target.clients }, async (_, client) => {
        while (performance.now() < end) {
          const t0 = performance.now();
          await target.work!(client, n++);
          durations.push(performance.now() - t0);
        }
      }),
    );
    count = durations.length;
    perSecond = count / ((performance.now() - started) / 1000);
  }
  const after = snapshot(target);
  const cpu = Object.fromEntries(Object.keys(after).map((key) => [key, (after[key] - before[key]) / Math.max(1, count)]));
  if (p95 !== undefined) durations.push(p95);
  return { perSecond, durations, count, cpu };
}

function snapshot(target: Target): Record<string, number> {
  return {
    client: clientCpuMs(),
    ...Object.fromEntries(Object.entries(target.pids ?? {}).map(([label, pid]) => [label, cpuMs(pid)])),
    ...(target.pgDir ? { postgres: postgresCpuMs(target.pgDir) } : {}),
  };
}

export interface Figure {
  group: string;
  target: string;
  clients: number;
  /** Operations per second: the median of the rounds, each round, and the spread (max−min)/median. */
  median: number;
  rounds: number[];
  spreadPercent: number;
  /** Latency in ms: the median over rounds of each round's p50 and p95. */
  p50: number;
  p95: number;
  cpuMsPerOp: Record<string, number>;
  /** Measured by an external load generator (wrk): no latency figures. */
  external?: boolean;
}

export interface Check {
  line: string;
  value: string;
  goal: string;
  met: boolean;
}

export const results: { figures: Figure[]; checks: Check[]; memory: Array<{ what: string; mb: number }>; notes: string[] } = {
  figures: [],
  checks: [],
  memory: [],
  notes: [],
};

const fmt = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

/**
 * Warms every target, then measures `ROUNDS` rounds, each running the targets one after
 * the other (in turn, so that drift on a shared machine touches every target alike).
 */
export async function compare(group: string, targets: Target[], options: { seconds?: number; warmSeconds?: number } = {}): Promise<Figure[]> {
  const seconds = options.seconds ?? ROUND_SECONDS;
  for (const target of targets) await load(target, options.warmSeconds ?? WARM_SECONDS);
  const runs = new Map<Target, Load[]>(targets.map((target) => [target, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round: no target always runs right after the same other one.
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) runs.get(target)!.push(await load(target, seconds));
  }
  const figures = targets.map((target) => {
    const loads = runs.get(target)!;
    const rates = loads.map((l) => l.perSecond);
    const mid = median(rates);
    const cpuKeys = Object.keys(loads[0].cpu);
    const figure: Figure = {
      group,
      target: target.name,
      clients: target.clients,
      median: mid,
      rounds: rates,
      spreadPercent: ((Math.max(...rates) - Math.min(...rates)) / mid) * 100,
      p50: median(loads.map((l) => percentile(l.durations, 0.5))),
      p95: median(loads.map((l) => percentile(l.durations, 0.95))),
      cpuMsPerOp: Object.fromEntries(cpuKeys.map((key) => [key, median(loads.map((l) => l.cpu[key]))])),
      external: !!target.external,
    };
    results.figures.push(figure);
    console.log(
      `${group} · ${target.name} (${target.clients} clients): median ${fmt(mid)}/s [${rates.map(fmt).join(', ')}], spread ${figure.spreadPercent.toFixed(0)} %, p50 ${fmt(figure.p50)} ms, p95 ${fmt(figure.p95)} ms, CPU ms/op ${Object.entries(
        figure.cpuMsPerOp,
      )
        .map(([key, value]) => `${key} ${value.toFixed(2)}`)
        .join(', ')}`,
    );
    return figure;
  });
  return figures;
}

/**
 * How `a` compares with `b`: the median over rounds of a's rate over b's in the same round.
 * On a shared machine the load changes between rounds; the two targets of one round ran
 * back to back, so their ratio is steadier than the ratio of the two medians.
 */
export function ratio(a: Figure, b: Figure): number {
  return median(a.rounds.map((rate, i) => rate / b.rounds[i]));
}

/** An acceptance line: printed at once and kept for the results' table. */
export function check(line: string, value: string, goal: string, met: boolean): void {
  results.checks.push({ line, value, goal, met });
  console.log(`${met ? 'MET ' : 'NOT MET '} ${line}: ${value} (goal ${goal})`);
}

export function memory(what: string, pid: number): number {
  const mb = residentMb(pid);
  results.memory.push({ what, mb });
  console.log(`resident memory, ${what}: ${mb.toFixed(0)} MB`);
  return mb;
}
