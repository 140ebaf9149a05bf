import { sql } from 'kysely';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import { sendOneTimePassword, type Actor } from '#server/identity/accounts.ts';
import type { User } from '#server/identity/users.ts';
import type { LetterData } from '#server/pdf/letter.ts';

/**
 * The username letters (`user_letter`) and the one-time password that follows them, in
 * the service's order: a member who has a role (or an organisation role) gets a letter;
 * the back office prints it and marks it printed; `ONE_TIME_PASSWORD_DELAY_DAYS` later a
 * chore mails the one-time password, whose lifetime starts then. A member with no role
 * gets neither until a role is given.
 */

const DAY_MS = 24 * 60 * 60_000;

/** At most this many letters go into one "Skriv ut alla": one PDF stays a size a printer takes. */
export const LETTER_BATCH_MAX = 200;

/** "1,2,3" from the letters page's link: the ids, each once, at most one batch of them. */
export function letterIds(value: string | null): number[] {
  const ids = (value ?? '')
    .split(',')
    .map((part) => Number(part.trim()))
    .filter((id) => Number.isSafeInteger(id) && id > 0);
  return [...new Set(ids)].slice(0, LETTER_BATCH_MAX);
}

/**
 * Makes the user's username letter if they should have one and do not: a member of an
 * organisation, active, who has never set a password, with an organisation role or a role
 * in some unit. Called wherever roles are given; the user's row is locked first, so two
 * role changes at once make one letter.
 */
export async function ensureLetter(trx: Tx, userId: number, clock: Clock): Promise<boolean> {
  const user = await trx
    .selectFrom('app_user')
    .select(['id', 'kind', 'organisation_id', 'org_role', 'password_hash', 'status'])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  if (user?.kind !== 'member' || user.organisation_id === null || user.password_hash !== null || user.status !== 'active') return false;
  const existing = await trx.selectFrom('user_letter').select('id').where('user_id', '=', userId).executeTakeFirst();
  if (existing) return false;
  if (user.org_role === null) {
    const role = await trx.selectFrom('user_unit_role').select('unit_id').where('user_id', '=', userId).executeTakeFirst();
    if (!role) return false;
  }
  await trx.insertInto('user_letter').values({ user_id: userId, created_at: clock.now() }).execute();
  return true;
}

/** A username letter with the person and organisation it goes to. */
const letters = (db: Db | Tx) =>
  db
    .selectFrom('user_letter')
    .innerJoin('app_user', 'app_user.id', 'user_letter.user_id')
    .innerJoin('organisation', 'organisation.id', 'app_user.organisation_id');

/** Username letters waiting to be printed (oldest first, the order "Skriv ut alla" prints them), or all (newest first). */
export function letterQueue(db: Db, includePrinted: boolean) {
  let query = letters(db).select([
    'user_letter.id',
    'user_letter.created_at',
    'user_letter.printed_at',
    'user_letter.one_time_password_due_at',
    'user_letter.one_time_password_sent_at',
    'app_user.first_name',
    'app_user.last_name',
    'app_user.username',
    'organisation.name as organisation_name',
  ]);
  query = includePrinted
    ? query.orderBy('user_letter.created_at', 'desc').orderBy('user_letter.id', 'desc')
    : query.where('user_letter.printed_at', 'is', null).orderBy('user_letter.id', 'asc');
  return query.limit(LETTER_BATCH_MAX).execute();
}

/**
 * What a letter shows, from the user (and their letter, when there is one). A letter goes
 * to the unit the person works in when that unit has a full postal address: the first such
 * unit (by id) among the units of their roles, the huvudorganisation excluded (its address
 * is the organisation's); otherwise to the organisation.
 */
const contents = (db: Db) =>
  db
    .selectFrom('app_user')
    .innerJoin('organisation', 'organisation.id', 'app_user.organisation_id')
    .leftJoin('user_letter', 'user_letter.user_id', 'app_user.id')
    .select((eb) => [
      'user_letter.id as letter_id',
      'user_letter.created_at as letter_created_at',
      'app_user.created_at as user_created_at',
      'app_user.first_name',
      'app_user.last_name',
      'app_user.username',
      'organisation.name',
      'organisation.postal_address',
      'organisation.postal_code',
      'organisation.city',
      eb
        .selectFrom('unit')
        .select(
          sql<{
            name: string;
            postal_address: string;
            postal_code: string;
            city: string;
          }>`json_build_object('name', unit.name, 'postal_address', unit.postal_address, 'postal_code', unit.postal_code, 'city', unit.city)`.as('unit'),
        )
        .where('unit.is_main', '=', false)
        .where('unit.postal_address', '<>', '')
        .where('unit.postal_code', '<>', '')
        .where('unit.city', '<>', '')
        .where('unit.id', 'in', eb.selectFrom('user_unit_role').select('user_unit_role.unit_id').whereRef('user_unit_role.user_id', '=', 'app_user.id'))
        .orderBy('unit.id')
        .limit(1)
        .as('unit'),
    ]);

type ContentsRow = Awaited<ReturnType<ReturnType<typeof contents>['execute']>>[number];

const toLetterData = (row: ContentsRow): LetterData => ({
  letterId: row.letter_id ?? 0,
  createdAt: row.letter_created_at ?? row.user_created_at,
  firstName: row.first_name,
  lastName: row.last_name,
  username: row.username,
  recipient: row.unit
    ? { organisationName: row.name, unitName: row.unit.name, postalAddress: row.unit.postal_address, postalCode: row.unit.postal_code, city: row.unit.city }
    : { organisationName: row.name, unitName: null, postalAddress: row.postal_address, postalCode: row.postal_code, city: row.city },
});

/** What the letters with these ids show, in id order (a stable order for one PDF of many). */
export async function letterContents(db: Db, ids: readonly number[]): Promise<LetterData[]> {
  if (ids.length === 0) return [];
  const rows = await contents(db)
    .where('user_letter.id', 'in', [...ids])
    .orderBy('user_letter.id')
    .execute();
  return rows.map(toLetterData);
}

/**
 * The user's latest letter, for an administrator printing it again (a user who never had
 * one, made before letters waited for a role, gets one with the account's date).
 */
export async function latestLetter(db: Db, user: User): Promise<LetterData | undefined> {
  const row = await contents(db).where('app_user.id', '=', user.id).orderBy(sql`user_letter.id desc nulls last`).limit(1).executeTakeFirst();
  return row && toLetterData(row);
}

/**
 * Marks exactly these letters printed (those not printed already: printing again keeps the
 * first time and person) and sets when each one's one-time password is due. The ids come
 * from the list the handläggare printed, so a letter made since is left for the next round.
 */
export async function markLettersPrinted(db: Db, ids: readonly number[], actor: Actor, config: Config, clock: Clock): Promise<number> {
  if (ids.length === 0) return 0;
  const now = clock.now();
  const due = new Date(now.getTime() + config.rules.oneTimePasswordDelayDays * DAY_MS);
  return db.transaction().execute(async (trx) => {
    const marked = await trx
      .updateTable('user_letter')
      .set({ printed_at: now, printed_by: actor.userId, one_time_password_due_at: due })
      .where('id', 'in', [...ids])
      .where('printed_at', 'is', null)
      .returning(['id', 'user_id'])
      .execute();
    if (marked.length) {
      await recordAudit(trx, {
        event: 'letter.printed',
        at: now,
        actorUserId: actor.userId,
        subjectUserId: marked.length === 1 ? marked[0].user_id : null,
        client: actor.client,
        detail: { letters: marked.map((row) => row.id).join(', '), count: marked.length, oneTimePasswordDue: due.toISOString() },
      });
    }
    return marked.length;
  });
}

/** How many due one-time passwords one transaction of the chore mails. */
const CHORE_BATCH = 50;

/**
 * The chore that mails one-time passwords whose letters were printed long enough ago.
 * Each batch claims its letters with one UPDATE over rows picked `FOR UPDATE SKIP LOCKED`,
 * in the transaction that issues the codes and queues the mails: two instances never send
 * the same letter's password, and a failure sends none of the batch and leaves it due.
 * A user who has set a password since (an administrator's own one-time password) needs
 * none; an inactive user's letter waits until they are active again.
 */
export async function sendDueOneTimePasswords(db: Db, config: Config, clock: Clock): Promise<number> {
  let sent = 0;
  for (;;) {
    const now = clock.now();
    const batch = await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('user_letter')
        .set({ one_time_password_sent_at: now })
        .where(
          'id',
          'in',
          trx
            .selectFrom('user_letter')
            .innerJoin('app_user', 'app_user.id', 'user_letter.user_id')
            .select('user_letter.id')
            .where('user_letter.one_time_password_sent_at', 'is', null)
            .where('user_letter.one_time_password_due_at', '<=', now)
            .where('app_user.status', '=', 'active')
            .orderBy('user_letter.one_time_password_due_at')
            .limit(CHORE_BATCH)
            .forUpdate('user_letter')
            .skipLocked(),
        )
        .returning(['id', 'user_id'])
        .execute();
      let mailed = 0;
      for (const letter of claimed) {
        const user = await trx.selectFrom('app_user').selectAll().where('id', '=', letter.user_id).executeTakeFirstOrThrow();
        if (user.password_hash !== null) continue;
        await sendOneTimePassword(trx, user, { userId: null, client: 'chore' }, config, clock, { letter: letter.id });
        mailed++;
      }
      return { claimed: claimed.length, mailed };
    });
    sent += batch.mailed;
    if (batch.claimed < CHORE_BATCH) return sent;
  }
}

/**
 * A deliberate new one-time password (an administrator's or the support desk's) stands in
 * for the one a printed letter has scheduled: the user gets one password, not two that
 * void each other.
 */
export async function settleScheduledOneTimePassword(trx: Tx, userId: number, clock: Clock): Promise<void> {
  await trx
    .updateTable('user_letter')
    .set({ one_time_password_sent_at: clock.now() })
    .where('user_id', '=', userId)
    .where('one_time_password_sent_at', 'is', null)
    .execute();
}

/** Where the user's login details are, in the order the user gets them: for the user pages. */
export type LoginDetailsState =
  | { kind: 'hasPassword' }
  | { kind: 'noRole' }
  | { kind: 'letterWaiting' }
  | { kind: 'oneTimePasswordDue'; at: Date }
  | { kind: 'oneTimePasswordSent'; at: Date };

export async function loginDetailsState(db: Db | Tx, user: Pick<User, 'id' | 'password_hash'>): Promise<LoginDetailsState> {
  if (user.password_hash !== null) return { kind: 'hasPassword' };
  const letter = await db
    .selectFrom('user_letter')
    .select(['printed_at', 'one_time_password_due_at', 'one_time_password_sent_at'])
    .where('user_id', '=', user.id)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!letter) return { kind: 'noRole' };
  if (letter.one_time_password_sent_at) return { kind: 'oneTimePasswordSent', at: letter.one_time_password_sent_at };
  if (letter.one_time_password_due_at) return { kind: 'oneTimePasswordDue', at: letter.one_time_password_due_at };
  return { kind: 'letterWaiting' };
}
