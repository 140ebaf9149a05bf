import { auditClient } from '#server/platform/audit.ts';
import { appClock } from '#server/platform/clock.ts';
import { config } from '#server/platform/config.ts';
import type { LoginContext } from '#server/identity/login.ts';
import { hitLimit, type LimitResult } from '#server/platform/rate-limit.ts';
import { db } from '#server/platform/database.ts';
import type { SessionLimits } from '#server/identity/session.ts';

/**
 * What the auth rules need to know about the request they serve. `clientAddress` is
 * Astro's, which the front server has already resolved through the trusted proxies.
 */
export function loginContext(_request: Request, clientAddress: string | undefined): LoginContext & { address: string } {
  const settings = config();
  const address = clientAddress ?? 'unknown';
  return { clock: appClock(), config: settings, client: auditClient(address, settings.auditClientAddress), address };
}

export function sessionLimits(): SessionLimits {
  const { rules } = config();
  return { idleMs: rules.sessionIdleMinutes * 60_000, absoluteMs: rules.sessionAbsoluteHours * 60 * 60_000 };
}

/** The per-client throttle on every password-checking form: slows stuffing across many usernames. */
export function throttleClient(address: string, bucket: string): Promise<LimitResult> {
  return hitLimit(db(), { bucket, key: address, max: config().loginClientLimit, windowMs: 15 * 60_000 }, appClock());
}
