import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildVisibleSettings, type Config } from '#server/platform/config.ts';

const INPUTS = ['src', 'public', 'astro.config.mjs', 'tsconfig.json', 'package-lock.json'];
const STAMP = '.source-hash';

function* files(entry: string): Generator<string> {
  if (!existsSync(entry)) return;
  if (statSync(entry).isDirectory()) {
    for (const name of readdirSync(entry).sort()) yield* files(path.join(entry, name));
  } else {
    yield entry;
  }
}

/** A hash of everything the build reads: sources, assets, lock file and the settings printed into pages. */
function sourceHash(root: string, config: Config): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(path.join(root, input))) {
      hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  hash.update(JSON.stringify(buildVisibleSettings(config)));
  hash.update(readFileSync(path.resolve(root, config.catalogueFile)));
  return hash.digest('hex');
}

/** Runs `astro build` when `dist` is missing or was built from other sources or settings. */
export function ensureBuilt(root: string, config: Config, say: (line: string) => void, environment: NodeJS.ProcessEnv): void {
  const stamp = path.join(root, 'dist', STAMP);
  const wanted = sourceHash(root, config);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(path.join(root, 'dist/server/entry.mjs'))) return;
  say('Bygger webbplatsen (första start eller ändrade källfiler) …');
  const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
  const env = { ASTRO_TELEMETRY_DISABLED: '1', ...environment };
  // --force: the content layer caches rendered Markdown, in which the configured numbers are printed.
  const result = spawnSync(bin('astro'), ['build', '--force'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.status !== 0) throw new Error('astro build failed: see the output above');
  // The handbook's search index, made from the built pages.
  const index = spawnSync(bin('pagefind'), ['--site', path.join(root, 'dist', 'client'), '--silent'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (index.status !== 0) throw new Error('pagefind failed: see the output above');
  writeFileSync(stamp, wanted);
}
