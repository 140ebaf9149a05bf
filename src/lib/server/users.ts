import type { Selectable } from 'kysely';
import type { Db, Tx } from './database.ts';
import type { AppUser } from './db-types.ts';

export type User = Selectable<AppUser>;

/** Usernames are system-made and case-insensitive: `AB1234` and ` ab1234 ` are the same. */
export const normalizeUsername = (username: string) => username.normalize('NFKC').trim().toLowerCase().slice(0, 64);

export function findUserByUsername(db: Db | Tx, username: string): Promise<User | undefined> {
  return db.selectFrom('app_user').selectAll().where('username', '=', normalizeUsername(username)).executeTakeFirst();
}

export function findUserById(db: Db | Tx, id: number): Promise<User | undefined> {
  return db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The organisation's name, for the password rule that refuses it. */
export async function organisationName(db: Db | Tx, user: Pick<User, 'organisation_id'>): Promise<string | null> {
  if (!user.organisation_id) return null;
  const row = await db.selectFrom('organisation').select('name').where('id', '=', user.organisation_id).executeTakeFirst();
  return row?.name ?? null;
}

/** Whole months from `since` to `now`, as the reminder and expiry rules count them. */
export function monthsBetween(since: Date, now: Date): number {
  const months = (now.getUTCFullYear() - since.getUTCFullYear()) * 12 + now.getUTCMonth() - since.getUTCMonth();
  return now.getUTCDate() < since.getUTCDate() ? months - 1 : months;
}

/** When a password set at `changedAt` expires, or null when expiry is off. */
export function passwordExpiresAt(changedAt: Date, maxAgeMonths: number): Date | null {
  if (maxAgeMonths <= 0) return null;
  const expires = new Date(changedAt);
  expires.setUTCMonth(expires.getUTCMonth() + maxAgeMonths);
  return expires;
}

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
