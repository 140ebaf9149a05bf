import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import type { User } from '#server/identity/users.ts';

/** The version of Villkor för användare that users accept at first login; a new version is accepted again. */
export const CURRENT_TERMS_VERSION = '2026-11-01';

/** Records that the user accepted the current terms; a page showing older terms is refused ('changed'). */
export async function acceptTerms(db: Db, user: Pick<User, 'id' | 'organisation_id'>, version: string, clock: Clock): Promise<'accepted' | 'changed'> {
  if (version !== CURRENT_TERMS_VERSION) return 'changed';
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('app_user').set({ terms_version: CURRENT_TERMS_VERSION, terms_accepted_at: now }).where('id', '=', user.id).execute();
    await recordAudit(trx, {
      event: 'terms.accepted',
      at: now,
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      detail: { version: CURRENT_TERMS_VERSION },
    });
  });
  return 'accepted';
}
