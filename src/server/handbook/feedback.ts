import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import { hitLimit } from '#server/platform/rate-limit.ts';

const FEEDBACK_PER_CLIENT = 10;
const FEEDBACK_WINDOW_MS = 10 * 60_000;
const MAX_COMMENT = 1000;

export type FeedbackResult = { kind: 'ok' } | { kind: 'invalid' } | { kind: 'limited'; retryAfterSeconds: number };

/** Stores one answer to "Hjälpte den här sidan dig?", at most a few per client and window. */
export async function recordFeedback(
  db: Db,
  input: { page: string; helpful: string; comment?: string },
  client: string,
  knownPages: Set<string>,
  clock: Clock,
): Promise<FeedbackResult> {
  const comment = (input.comment ?? '').trim();
  if (!knownPages.has(input.page) || !['ja', 'nej'].includes(input.helpful) || [...comment].length > MAX_COMMENT) return { kind: 'invalid' };
  const limit = await hitLimit(db, { bucket: 'feedback', key: client, max: FEEDBACK_PER_CLIENT, windowMs: FEEDBACK_WINDOW_MS }, clock);
  if (!limit.allowed) return { kind: 'limited', retryAfterSeconds: limit.retryAfterSeconds };
  await db
    .insertInto('handbook_feedback')
    .values({ page: input.page, helpful: input.helpful === 'ja', comment: comment || null, created_at: clock.now() })
    .execute();
  return { kind: 'ok' };
}

/** Answers per page for the back office: counts and the latest comments. */
export async function feedbackSummary(db: Db) {
  const counts = await db
    .selectFrom('handbook_feedback')
    .select((eb) => [
      'page',
      eb.fn.countAll<number>().filterWhere('helpful', '=', true).as('yes'),
      eb.fn.countAll<number>().filterWhere('helpful', '=', false).as('no'),
    ])
    .groupBy('page')
    .orderBy('page')
    .execute();
  const comments = await db
    .selectFrom('handbook_feedback')
    .select(['page', 'helpful', 'comment', 'created_at'])
    .where('comment', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
  return { counts: counts.map((row) => ({ ...row, yes: Number(row.yes), no: Number(row.no) })), comments };
}
