/** `npm run db:types`: migrates a throw-away embedded database and regenerates src/server/platform/db-types.ts from it. */
import path from 'node:path';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { runCodegen } from './db-types.ts';
import { freePort } from './ports.ts';
import { tempDir } from './temp-dir.ts';

const dir = tempDir('types');
const cluster = await startEmbeddedPostgres({ dir: path.join(dir.path, 'pg'), port: await freePort(), database: 'types', fast: true });
try {
  const db = createDb(cluster.url, 1);
  await migrateToLatest(db);
  await db.destroy();
  const result = runCodegen(cluster.url, false);
  console.log(result.output.trim());
  process.exitCode = result.status ?? 1;
} finally {
  await cluster.stop();
  dir.remove();
}
