import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from '#server/runtime/build-check.ts';
import { parseConfig } from '#server/platform/config.ts';
import { createDb } from '#server/platform/database.ts';
import { startEmbeddedPostgres } from '#server/runtime/embedded-postgres.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';
import { freePort } from './ports.ts';
import { tempDir } from './temp-dir.ts';

export const TEMPLATE_DATABASE = 'portal_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDatabase: string;
  }
}

/**
 * One real PostgreSQL for the whole run, with a migrated template database that each
 * test file clones; and a fresh build for the tests that start the server.
 */
export default async function setup(project: TestProject) {
  const dir = tempDir('test');
  const cluster = await startEmbeddedPostgres({
    dir: path.join(dir.path, 'pg'),
    port: await freePort(),
    database: TEMPLATE_DATABASE,
    fast: true,
  });
  const template = createDb(cluster.url, 1);
  await migrateToLatest(template);
  await template.destroy();

  ensureBuilt(process.cwd(), parseConfig({}), (line) => console.log(line), process.env);

  project.provide('pgAdminUrl', cluster.adminUrl);
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  return async () => {
    await cluster.stop();
    dir.remove();
  };
}
