import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { pruneAudit } from '#server/platform/audit.ts';
import { pruneLimits } from '#server/platform/rate-limit.ts';
import { pruneSigningKeys } from '#server/oidc/keys.ts';
import { OidcService } from '#server/oidc/provider.ts';
import { sql } from 'kysely';

export interface Pruned {
  drafts: number;
  throttles: number;
  sessions: number;
  captchas: number;
  kioskTickets: number;
  rateLimits: number;
  audit: number;
  oidc: number;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Deletes what no rule reads any more, so that no table grows without bound: each
 * step is one DELETE by time, safe to run in several processes at once.
 */
export async function pruneExpired(db: Db, config: Config, clock: Clock): Promise<Pruned> {
  const now = clock.now();
  const deleted = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);
  const drafts = deleted(await db.deleteFrom('application_draft').where('expires_at', '<', now).executeTakeFirstOrThrow());
  // Failures older than the lockout window are forgotten by the login rule anyway; a lock is kept until it ends.
  const lockStart = new Date(now.getTime() - config.rules.lockoutMinutes * 60_000);
  const throttles = deleted(
    await db
      .deleteFrom('login_throttle')
      .where('last_attempt_at', '<', lockStart)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .executeTakeFirstOrThrow(),
  );
  const sessions = deleted(
    await db
      .deleteFrom('user_session')
      .where((eb) =>
        eb.or([
          eb('last_used_at', '<', new Date(now.getTime() - config.rules.sessionIdleMinutes * 60_000)),
          eb('created_at', '<', new Date(now.getTime() - config.rules.sessionAbsoluteHours * 60 * 60_000)),
        ]),
      )
      .executeTakeFirstOrThrow(),
  );
  // A redemption only has to outlive its challenge: after that the challenge itself is refused.
  const captchas = deleted(await db.deleteFrom('captcha_redemption').where('expires_at', '<', now).executeTakeFirstOrThrow());
  const kioskTickets = deleted(
    await db
      .deleteFrom('kiosk_ticket')
      .where('expires_at', '<', new Date(now.getTime() - DAY_MS))
      .executeTakeFirstOrThrow(),
  );
  const rateLimits = await pruneLimits(db, clock);
  const audit = await pruneAudit(db, config.auditRetentionMonths, now);
  // The provider's rows expire on the database's clock, as oidc-provider set them; ended sign-ins are kept a day.
  const oidc =
    deleted(await db.deleteFrom('oidc_model').where('expires_at', '<', sql<Date>`now()`).executeTakeFirstOrThrow()) +
    deleted(
      await db
        .deleteFrom('oidc_sign_in')
        .where('logged_out_at', '<', new Date(now.getTime() - DAY_MS))
        .executeTakeFirstOrThrow(),
    ) +
    (await pruneSigningKeys(db, OidcService.KEY_KEEP_SECONDS, now));
  return { drafts, throttles, sessions, captchas, kioskTickets, rateLimits, audit, oidc };
}
