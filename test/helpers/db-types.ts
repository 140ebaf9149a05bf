import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const DB_TYPES_FILE = 'src/server/platform/db-types.ts';

/** Runs kysely-codegen against a migrated database: writes the types, or with `verify` only compares. */
export function runCodegen(url: string, verify: boolean): { status: number | null; output: string } {
  const bin = path.join(process.cwd(), 'node_modules', '.bin', 'kysely-codegen');
  const result = spawnSync(
    bin,
    [
      '--dialect', 'postgres',
      '--url', url,
      '--out-file', DB_TYPES_FILE,
      '--exclude-pattern', 'kysely_*',
      '--type-mapping', JSON.stringify({ int8: 'number' }),
      '--date-parser', 'string',
      ...(verify ? ['--verify'] : []),
    ],
    { encoding: 'utf8' },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
