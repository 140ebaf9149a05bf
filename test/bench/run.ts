/**
 * `npm run bench`: runs every test/bench/*.bench.ts in name order; each prints its own
 * figures. Figures are measured, never asserted: tests do not time things.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from '#server/runtime/build-check.ts';
import { parseConfig } from '#server/platform/config.ts';

// The benches start the built server: build it first when the sources changed.
ensureBuilt(process.cwd(), parseConfig({}), (line) => console.log(line), process.env);

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort()) {
  if (only && !file.includes(only)) continue;
  console.log(`\n== ${file.replace('.bench.ts', '')}`);
  const bench = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: () => Promise<void> };
  await bench.default();
}
