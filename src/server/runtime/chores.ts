import type { Logger } from 'pino';
import { appClock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { lapseApplications } from '#server/applications/applications.ts';
import { sendExpiryNotices } from '#server/identity/password-expiry.ts';
import { pruneExpired } from '#server/runtime/prune.ts';
import { publishRegister } from '#server/register/publication.ts';

// Often enough that the day's register is published within minutes of midnight.
const EVERY_MS = 10 * 60_000;

/** The periodic work of every instance: safe to run in several at once (each step claims its rows). */
export function startChores(db: Db, config: Config, log: Logger): { stop(): void } {
  const run = async () => {
    try {
      const notices = await sendExpiryNotices(db, config, appClock());
      const published = await publishRegister(db, appClock());
      if (published.created) log.info({ publication: published.publication.published_on }, 'register published');
      const pruned = await pruneExpired(db, config, appClock());
      await lapseApplications(db, config.rules.applicationPaperDays, appClock());
      if (notices || Object.values(pruned).some(Boolean)) log.info({ notices, pruned }, 'chores');
    } catch (error) {
      log.error({ err: error }, 'chores failed');
    }
  };
  const first = setTimeout(() => void run(), 1_000);
  const timer = setInterval(() => void run(), EVERY_MS);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
