import type { AppContext } from '#server/platform/context.ts';
import { lapseApplications } from '#server/applications/applications.ts';
import { sendDueOneTimePasswords } from '#server/identity/letters.ts';
import { sendExpiryNotices } from '#server/identity/password-expiry.ts';
import { pruneExpired } from '#server/runtime/prune.ts';
import { publishRegister } from '#server/register/publication.ts';

// Often enough that the day's register is published within minutes of midnight.
const EVERY_MS = 10 * 60_000;

/** The periodic work of every instance: safe to run in several at once (each step claims its rows). */
export function startChores(app: AppContext): { stop(): void } {
  const { db, config, clock, log } = app;
  const run = async () => {
    try {
      const notices = await sendExpiryNotices(db, config, clock);
      const oneTimePasswords = await sendDueOneTimePasswords(db, config, clock);
      if (oneTimePasswords) log.info({ oneTimePasswords }, 'one-time passwords sent');
      const published = await publishRegister(db, clock);
      if (published.created) log.info({ publication: published.publication.published_on }, 'register published');
      const pruned = await pruneExpired(db, config, clock);
      await lapseApplications(db, config.rules.applicationPaperDays, clock);
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
