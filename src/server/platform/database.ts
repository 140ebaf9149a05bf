import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from '#server/platform/db-types.ts';

export type Database = DB;
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

// bigint ids and counts come back as numbers: none of ours comes near 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// A calendar date stays the string it is ('2026-11-22'), with no time zone to shift it.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

/**
 * A Kysely instance on its own pool. Callers own it and `destroy()` it. Its connections
 * carry `applicationName`, so `pg_stat_activity` tells whose they are.
 */
export function createDb(connectionString: string, poolSize = 10, applicationName = 'anordnarportalen'): Db {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    application_name: applicationName,
    // Fail fast when Postgres is gone, so /healthz answers instead of hanging.
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  });
  // A connection lost while Postgres restarts must fail its query, not crash the process:
  // pg emits 'error' on the pool for idle clients and on the client itself otherwise.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Whether Postgres answers a trivial query within the pool's timeout. */
export async function databaseAnswers(database: Db): Promise<boolean> {
  try {
    await database.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    return true;
  } catch {
    return false;
  }
}
