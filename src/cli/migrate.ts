/** `npm run migrate`: applies pending migrations to DATABASE_URL (production's explicit step). */
import { ConfigError, config } from '#server/platform/config.ts';
import { createDb } from '#server/platform/database.ts';
import { migrateToLatest } from '#server/runtime/migrate.ts';

try {
  const url = config().databaseUrl;
  if (!url) throw new ConfigError('DATABASE_URL must be set: the embedded database migrates itself on `npm start`.');
  const db = createDb(url, 1);
  try {
    const ran = await migrateToLatest(db);
    console.log(ran.length ? `Applied: ${ran.join(', ')}` : 'The database is up to date.');
  } finally {
    await db.destroy();
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
}
