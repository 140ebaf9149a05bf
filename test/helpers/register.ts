import { spawnSync } from 'node:child_process';
import { expect, vi } from 'vitest';
import { startServer, type TestServer } from './server.ts';

/** Publishes the register with `npm run admin -- publicera-register`, on the clock the server uses. */
export function publishWithCli(databaseUrl: string, clockFile: string): void {
  const run = spawnSync(process.execPath, ['src/cli/admin.ts', 'publicera-register'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, APP_MODE: 'demo', DATABASE_URL: databaseUrl, CLOCK_OFFSET_FILE: clockFile },
  });
  expect(run.status, run.stderr).toBe(0);
}

/**
 * A demo server on a movable clock that looks for a newer publication on every request,
 * returned once its first chores run has published the demo's register.
 */
export async function startRegisterServer(databaseUrl: string, clockFile: string, env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer({ DATABASE_URL: databaseUrl, CLOCK_OFFSET_FILE: clockFile, REGISTER_REFRESH_SECONDS: '0', ...env });
  // expect.poll only runs inside a test; vi.waitFor fails the setup with the last status if it never comes.
  await vi.waitFor(async () => expect((await fetch(`${server.url}/api/v1/organisationer`)).status).toBe(200), { timeout: 15_000, interval: 100 });
  return server;
}
