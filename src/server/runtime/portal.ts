import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import type { Config } from '#server/platform/config.ts';
import { createDb, type Db } from '#server/platform/database.ts';
import type { RunningPostgres } from '#server/runtime/embedded-postgres.ts';
import { createHttpServer, type AppHandler, type FormHandler } from '#server/runtime/http-server.ts';
import { logger } from '#server/platform/log.ts';
import { type AppContext, createAppContext } from '#server/platform/context.ts';
import { smtpTransport } from '#server/mail/mail.ts';
import { migrateToLatest, pendingMigrations } from '#server/runtime/migrate.ts';
import { startOutboxSender } from '#server/mail/outbox.ts';
import { seedDemo } from '#server/runtime/seed.ts';
import { startChores } from '#server/runtime/chores.ts';
import { startSmtpSink, type RunningSink } from '#server/runtime/smtp-sink.ts';
import { OidcService } from '#server/oidc/provider.ts';
import { startSignInSweeper } from '#server/oidc/sweeper.ts';
import type { OidcPageKind } from '#server/oidc/provider.ts';
import type { Translate } from '#server/register/api.ts';

export interface RunningPortal {
  url: string;
  mailboxUrl: string | undefined;
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts everything the portal needs in this process: Postgres (embedded unless
 * DATABASE_URL is set), migrations, the demo seed, the SMTP sink, the outbox sender
 * and the HTTP server. Stops them in reverse order.
 */
/** The provider's own pages in the portal's words and look; the caller (the command line) brings them from the web layer. */
export type ProviderPages = (
  stylesheets: string[],
  kind: OidcPageKind,
  params: { form?: string; service?: string; error?: string; description?: string },
) => string;

/** What the composition root takes from the web layer, which the domain may not import: the words of pages it serves itself. */
export interface WebParts {
  pages: ProviderPages;
  apiText: Translate;
  /** The login form's post, answered by the front server (src/web/password-login.ts). */
  loginForm?: (app: AppContext) => FormHandler;
}

export async function startPortal(config: Config, web: WebParts, distDir = path.resolve('dist')): Promise<RunningPortal> {
  const log = logger(config.logLevel);
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error) => log.error({ err: error }, 'stop failed'));
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      // Imported only here: the package hooks SIGINT/SIGTERM to stop its clusters.
      const { startEmbeddedPostgres } = await import('#server/runtime/embedded-postgres.ts');
      const pg: RunningPostgres = await startEmbeddedPostgres({
        dir: path.join(config.dataDir, 'postgres'),
        port: config.embeddedPgPort,
        database: 'anordnarportalen',
        onLog: (line) => log.debug({ postgres: line }),
      });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    // The process's one pool: requests, the outbox and the chores all draw from it.
    const db = createDb(databaseUrl, config.databasePoolSize);
    stops.push(() => db.destroy());
    const app = createAppContext(config, db, log);
    if (config.demo) {
      const ran = await migrateToLatest(db);
      if (ran.length) log.info({ migrations: ran }, 'migrated');
    } else {
      await refusePendingMigrations(db);
    }

    let smtpUrl = config.smtpUrl;
    let sink: RunningSink | undefined;
    if (!smtpUrl && config.demo) {
      sink = await startSmtpSink(db, config.smtpSinkPort);
      stops.push(() => sink!.stop());
      smtpUrl = `smtp://127.0.0.1:${sink.port}`;
    }
    if (config.demo) await seedDemo(db, config);

    const transport = smtpTransport(smtpUrl!);
    stops.push(async () => transport.close());
    const sender = startOutboxSender(db, transport, {
      from: config.mailFrom,
      intervalMs: config.outbox.pollMs,
      maxAttempts: config.outbox.maxAttempts,
      leaseMs: config.outbox.leaseMs,
      onError: (error) => log.error({ err: error }, 'outbox poll failed'),
    });
    stops.push(() => sender.stop());
    const chores = startChores(app);
    stops.push(async () => chores.stop());

    // The OpenID provider for the e-services, and the sweep that logs them out when a portal session ends.
    const oidc = new OidcService({ ...app, page: providerPages(path.join(distDir, 'client'), web.pages) });
    await oidc.provider();
    app.oidc = oidc;
    const sweeper = startSignInSweeper(app, oidc);
    stops.push(async () => sweeper.stop());

    const entry = pathToFileURL(path.join(distDir, 'server', 'entry.mjs')).href;
    const { handler } = (await import(entry)) as { handler: AppHandler };
    const server = createHttpServer({
      clientDir: path.join(distDir, 'client'),
      appHandler: handler,
      publicUrl: config.publicUrl,
      trustProxy: config.trustProxy,
      secure: config.secure,
      app,
      oidc,
      apiText: web.apiText,
      loginForm: web.loginForm?.(app),
    });
    await listen(server, config.port, config.host);
    stops.push(() => closeServer(server));

    const url = `http://${config.host}:${config.port}`;
    return {
      url,
      mailboxUrl: config.demo ? `${url}/utveckling/epost` : undefined,
      databaseUrl,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The provider's own pages, in the built site's stylesheets (those the 404 page links). */
function providerPages(clientDir: string, pages: ProviderPages) {
  const page = path.join(clientDir, '404.html');
  const stylesheets = existsSync(page) ? [...readFileSync(page, 'utf8').matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((match) => match[1]) : [];
  return (kind: OidcPageKind, params: Parameters<ProviderPages>[2]) => pages(stylesheets, kind, params);
}

async function refusePendingMigrations(db: Db): Promise<void> {
  const pending = await pendingMigrations(db);
  if (pending.length) {
    throw new Error(`The database lacks ${pending.length} migration(s) (${pending[0]} first): run \`npm run migrate\` before starting.`);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still running after a grace period are cut rather than waited for.
    setTimeout(() => server.closeAllConnections(), 3000).unref();
  });
}
