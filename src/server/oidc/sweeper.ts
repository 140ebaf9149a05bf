import type { AppContext } from '#server/platform/context.ts';
import { endSignInsOfEndedSessions } from '#server/oidc/sign-ins.ts';
import type { OidcService } from '#server/oidc/provider.ts';

// Often enough that an e-service hears of a logout, or an idle timeout, within seconds.
const EVERY_MS = 1_000;

/** Logs the e-services out of portal sessions that have ended, in every instance (rows are claimed). */
export function startSignInSweeper(app: AppContext, oidc: OidcService): { stop(): void } {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const ended = await endSignInsOfEndedSessions(app.db, oidc, app.config, app.clock);
      if (ended) app.log.info({ ended }, 'e-service sign-ins ended');
    } catch (error) {
      app.log.error({ err: error }, 'sign-in sweep failed');
    } finally {
      running = false;
    }
  }, EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
