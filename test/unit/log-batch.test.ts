import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs a script in a fresh process (the logger is one per process) and returns its stdout. */
function run(script: string): string {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 20_000 });
  expect(result.stderr).toBe('');
  return result.stdout;
}

describe('the batched log', () => {
  it('writes every line, in order, when the process ends at once: by process.exit or by a crash', () => {
    const lines = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; n?: number });
    const exited = run(`
      import { logger } from '#server/platform/log.ts';
      const log = logger('info');
      for (let n = 0; n < 500; n++) log.info({ n }, 'line');
      log.info('last');
      process.exit(3);
    `);
    expect(lines(exited).map((line) => line.n ?? line.msg)).toEqual([...Array.from({ length: 500 }, (_, n) => n), 'last']);
    const crashed = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import { logger } from '#server/platform/log.ts'; logger('info').info('before the crash'); throw new Error('boom');`],
      { cwd: process.cwd(), encoding: 'utf8', timeout: 20_000 },
    );
    expect(crashed.status).not.toBe(0);
    expect(crashed.stdout).toContain('"msg":"before the crash"');
  });

  it('writes a line within half a second while the process goes on', () => {
    const stdout = run(`
      import { writeSync } from 'node:fs';
      import { logger } from '#server/platform/log.ts';
      logger('info').info('early');
      // Keeps running without logging more; the marker on stderr would fail the test, so it goes to stdout directly.
      setTimeout(() => { writeSync(1, 'MARK\\n'); process.exit(0); }, 600);
    `);
    expect(stdout.indexOf('"msg":"early"')).toBeGreaterThanOrEqual(0);
    expect(stdout.indexOf('"msg":"early"')).toBeLessThan(stdout.indexOf('MARK'));
  });

  it('keeps request lines and other lines in the order they were logged, UTF-8 and overlong lines intact', () => {
    const stdout = run(`
      import { logger, logRequest } from '#server/platform/log.ts';
      const log = logger('info');
      for (let n = 0; n < 150; n++) {
        logRequest(log, { reqId: 'id-' + n, method: 'GET', path: '/handbok/sida-' + n, status: 200, ms: n });
        if (n % 50 === 7) log.info({ n, text: 'åäö ✓ 🇸🇪' }, 'between');
      }
      log.info({ text: 'x'.repeat(100_000) + 'ö' }, 'long');
      logRequest(log, { reqId: 'id-last', method: 'POST', path: '/logga-in', status: 303, ms: 1 });
      process.exit(0);
    `);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; reqId?: string; n?: number; text?: string; time: number });
    const expected: string[] = [];
    for (let n = 0; n < 150; n++) {
      expected.push(`id-${n}`);
      if (n % 50 === 7) expected.push(`between ${n}`);
    }
    expected.push('long', 'id-last');
    expect(lines.map((line) => (line.msg === 'request' ? line.reqId : line.msg === 'between' ? `between ${line.n}` : line.msg))).toEqual(expected);
    expect(lines.filter((line) => line.msg === 'between').every((line) => line.text === 'åäö ✓ 🇸🇪')).toBe(true);
    expect(lines.find((line) => line.msg === 'long')?.text).toBe(`${'x'.repeat(100_000)}ö`);
    // Each request line carries the time it was logged at, not the time it was written.
    expect(lines.every((line, i) => i === 0 || line.time >= lines[i - 1].time)).toBe(true);
  });
});
