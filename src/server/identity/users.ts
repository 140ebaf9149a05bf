import { type RawBuilder, type Selectable, sql } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import type { Db, Tx } from '#server/platform/database.ts';
import type { AppUser } from '#server/platform/db-types.ts';

export type User = Selectable<AppUser>;
/** What the `app_user` checks allow: members belong to an organisation, staff to the authority. */
export type UserKind = 'member' | 'staff';
export type UserStatus = 'active' | 'inactive';

/** Usernames are system-made and case-insensitive: `AB1234` and ` ab1234 ` are the same. */
export const normalizeUsername = (username: string) => username.normalize('NFKC').trim().toLowerCase().slice(0, 64);

export function findUserByUsername(db: Db | Tx, username: string): Promise<User | undefined> {
  return db.selectFrom('app_user').selectAll().where('username', '=', normalizeUsername(username)).executeTakeFirst();
}

export function findUserById(db: Db | Tx, id: number): Promise<User | undefined> {
  return db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the user has a confirmed second factor (an app or a passkey), as SQL. */
export const hasFactorSql = (userId: number | RawBuilder<unknown>) =>
  sql<boolean>`(exists (select 1 from totp_factor where totp_factor.user_id = ${userId} and totp_factor.confirmed_at is not null)
    or exists (select 1 from passkey where passkey.user_id = ${userId}))`;

/**
 * The signed-in user for the guard, with whether they have a second factor: one query on
 * every request (two index lookups inside it), not three.
 */
export function findSignedInUser(db: Db | Tx, id: number): Promise<(User & { has_second_factor: boolean }) | undefined> {
  return db
    .selectFrom('app_user')
    .selectAll()
    .select(hasFactorSql(sql.ref('app_user.id')).as('has_second_factor'))
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The organisation's name, for the password rule that refuses it. */
export async function organisationName(db: Db | Tx, user: Pick<User, 'organisation_id'>): Promise<string | null> {
  if (!user.organisation_id) return null;
  const row = await db.selectFrom('organisation').select('name').where('id', '=', user.organisation_id).executeTakeFirst();
  return row?.name ?? null;
}

/** Whole months from `since` to `now`, as the reminder and expiry rules count them. */
// The calendar of password ages: months counted on the wall clock in Stockholm, where the
// rule is read, the same in JS and in SQL (see passwordExpiresAtSql).
const ZONE = 'Europe/Stockholm';
const inZone = (date: Date) => Temporal.Instant.fromEpochMilliseconds(date.getTime()).toZonedDateTimeISO(ZONE);

/** Whole calendar months from `since` to `now`, on the wall clock in Stockholm. */
export function monthsBetween(since: Date, now: Date): number {
  if (now <= since) return 0;
  return inZone(now).since(inZone(since), { largestUnit: 'months' }).months;
}

/**
 * When a password set at `changedAt` expires, or null when expiry is off: the same wall-clock
 * time in Stockholm `maxAgeMonths` later, the day clamped to the month's end (29 February
 * plus 12 months is 28 February), as Postgres adds months to a timestamp. A wall-clock time
 * that a change to or from summer time skips or repeats resolves as Postgres resolves it.
 */
export function passwordExpiresAt(changedAt: Date, maxAgeMonths: number): Date | null {
  if (maxAgeMonths <= 0) return null;
  const local = inZone(changedAt).toPlainDateTime().add({ months: maxAgeMonths }, { overflow: 'constrain' });
  return new Date(local.toZonedDateTime(ZONE, { disambiguation: 'later' }).epochMilliseconds);
}

/** passwordExpiresAt in SQL, for queries over many users: the one definition, twice written. */
export const passwordExpiresAtSql = (changedAt: RawBuilder<unknown>, maxAgeMonths: number) =>
  sql<Date>`((${changedAt} at time zone ${sql.lit(ZONE)}) + make_interval(months => ${maxAgeMonths})) at time zone ${sql.lit(ZONE)}`;

export interface NewUser {
  username: string;
  kind: 'member' | 'staff';
  organisationId: number | null;
  firstName: string;
  lastName: string;
  email: string;
  passwordHash?: string | null;
  passwordChangedAt?: Date | null;
  termsVersion?: string | null;
}

/** Inserts a user row; creating accounts with their letter and one-time password is the caller's job. */
export async function insertUser(db: Db | Tx, user: NewUser, now: Date): Promise<User> {
  return db
    .insertInto('app_user')
    .values({
      username: normalizeUsername(user.username),
      kind: user.kind,
      organisation_id: user.organisationId,
      first_name: user.firstName,
      last_name: user.lastName,
      email: user.email,
      password_hash: user.passwordHash ?? null,
      password_changed_at: user.passwordChangedAt ?? null,
      terms_version: user.termsVersion ?? null,
      terms_accepted_at: user.termsVersion ? now : null,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
