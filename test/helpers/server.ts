import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.ts';

export interface TestServer {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `src/cli/start.ts` in a child process, as `npm start` does, and waits until it serves. */
export async function startServer(env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<TestServer> {
  const port = Number(env.PORT ?? (await freePort()));
  const child = spawn(process.execPath, ['src/cli/start.ts'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SKIP_BUILD_CHECK: 'true',
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_MODE: 'demo',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SMTP_SINK_PORT: String(await freePort()),
      OUTBOX_POLL_MS: '200',
      LOG_LEVEL: 'warn',
      // Tests that need the example e-service start their own, on a free port.
      EXAMPLE_SERVICE: 'off',
      // Tests that are not about second factors log in with a password alone, staff included;
      // the tests of the policy set MFA_REQUIRED_FOR themselves (default of the app: staff).
      MFA_REQUIRED_FOR: 'none',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), options.timeoutMs ?? 60_000);
    const check = () => {
      if (output.includes('är igång')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the start command to its end (for settings that must stop it) and returns its exit code and output. */
export function runStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli/start.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SKIP_BUILD_CHECK: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
