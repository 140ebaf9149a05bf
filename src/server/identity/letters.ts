import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import type { Actor } from '#server/identity/accounts.ts';
import type { User } from '#server/identity/users.ts';

/** The username letters (`user_letter`): made when an account is created, printed by the back office. */

/** What a username letter shows, for printing the latest one again. */
export async function latestLetter(db: Db, user: User) {
  const letter = await db.selectFrom('user_letter').select(['id', 'created_at']).where('user_id', '=', user.id).orderBy('id', 'desc').executeTakeFirst();
  const organisation = await db.selectFrom('organisation').selectAll().where('id', '=', user.organisation_id!).executeTakeFirstOrThrow();
  return {
    letterId: letter?.id ?? 0,
    createdAt: letter?.created_at ?? user.created_at,
    firstName: user.first_name,
    lastName: user.last_name,
    username: user.username,
    organisation: { name: organisation.name, postalAddress: organisation.postal_address, postalCode: organisation.postal_code, city: organisation.city },
  };
}

/** Marks a letter as printed once; printing it again later keeps the first time and person. */
export async function markLetterPrinted(db: Db, letterId: number, actor: Actor, clock: Clock): Promise<void> {
  await db
    .updateTable('user_letter')
    .set({ printed_at: clock.now(), printed_by: actor.userId })
    .where('id', '=', letterId)
    .where('printed_at', 'is', null)
    .execute();
  await recordAudit(db, { event: 'letter.printed', at: clock.now(), actorUserId: actor.userId, client: actor.client, detail: { letter: letterId } });
}
