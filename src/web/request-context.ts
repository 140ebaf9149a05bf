import type { LoginContext } from '#server/identity/login.ts';
import type { SessionLimits } from '#server/identity/session.ts';
import { auditClient } from '#server/platform/audit.ts';
import type { Config } from '#server/platform/config.ts';
import type { AppContext } from '#server/platform/context.ts';
import { hitLimit, type LimitResult } from '#server/platform/rate-limit.ts';

/**
 * What the auth rules need to know about the request they serve. `clientAddress` is
 * Astro's, which the front server has already resolved through the trusted proxies.
 */
export function loginContext(locals: App.Locals, clientAddress: string | undefined): LoginContext & { address: string } {
  const { config, clock } = locals.app;
  const address = clientAddress ?? 'unknown';
  return { clock, config, client: auditClient(address, config.auditClientAddress), address };
}

export function sessionLimits(config: Config): SessionLimits {
  const { rules } = config;
  return { idleMs: rules.sessionIdleMinutes * 60_000, absoluteMs: rules.sessionAbsoluteHours * 60 * 60_000 };
}

/** The per-client throttle on every password-checking form: slows stuffing across many usernames. */
export function throttleClient(app: AppContext, address: string, bucket: string): Promise<LimitResult> {
  return hitLimit(app.db, { bucket, key: address, max: app.config.loginClientLimit, windowMs: 15 * 60_000 }, app.clock);
}
