import type { Selectable } from 'kysely';
import type { Db } from '#server/platform/database.ts';
import type { DevMailbox } from '#server/platform/db-types.ts';

export type ReceivedMail = Selectable<DevMailbox>;

/** The mail the demo sink received, newest first. */
export function listReceivedMail(db: Db, limit = 200): Promise<ReceivedMail[]> {
  return db.selectFrom('dev_mailbox').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

export function findReceivedMail(db: Db, id: number): Promise<ReceivedMail | undefined> {
  return db.selectFrom('dev_mailbox').selectAll().where('id', '=', id).executeTakeFirst();
}
