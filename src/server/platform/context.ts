import type { Logger } from 'pino';
import type { OidcService } from '#server/oidc/provider.ts';
import { type Catalogue, loadCatalogue } from '#server/organisation/catalogue.ts';
import { type Clock, fileOffsetClock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './database.ts';

/**
 * What every request and every job works with, built once per process by the
 * composition root (src/server/runtime/portal.ts) and handed to Astro's handler through
 * `locals`: one configuration, one pool, one clock, one catalogue, one logger.
 */
export interface AppContext {
  config: Config;
  db: Db;
  clock: Clock;
  catalogue: Catalogue;
  /** In a request, a child logger that writes the request's id on every line. */
  log: Logger;
  /** The OpenID provider for the e-services, once the process has started it. */
  oidc?: OidcService;
}

export function createAppContext(config: Config, db: Db, log: Logger): AppContext {
  return {
    config,
    db,
    clock: config.clockOffsetFile ? fileOffsetClock(config.clockOffsetFile) : systemClock,
    catalogue: loadCatalogue(config.catalogueFile, { demo: config.demo }),
    log,
  };
}

/** The same context for one request: its log lines carry the request's id. */
export function forRequest(app: AppContext, requestId: string): AppContext {
  return { ...app, log: app.log.child({ reqId: requestId }) };
}
