import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { type Config, parseConfig } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { markLettersPrinted, sendDueOneTimePasswords } from '#server/identity/letters.ts';
import { hashPassword } from '#server/identity/password.ts';
import { insertUser, type User } from '#server/identity/users.ts';

let counter = 0;

/** An organisation with its main unit, for tests. */
export async function createOrganisation(db: Db, name = 'Testskolan AB'): Promise<{ id: number; mainUnitId: number }> {
  counter++;
  const now = new Date();
  const org = await db
    .insertInto('organisation')
    .values({ org_number: `55${String(Date.now() % 1e6).padStart(6, '0')}${String(counter).padStart(2, '0')}`, name, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const unit = await db.insertInto('unit').values({ organisation_id: org.id, name, is_main: true, created_at: now }).returning('id').executeTakeFirstOrThrow();
  return { id: org.id, mainUnitId: unit.id };
}

/** A member of a new organisation with a password set `passwordAgeDays` ago and the current terms accepted. */
export async function createMember(
  db: Db,
  options: { username: string; password?: string; passwordChangedAt?: Date; termsVersion?: string | null; email?: string; roles?: string[] },
): Promise<User & { mainUnitId: number }> {
  const org = await createOrganisation(db);
  const user = await insertUser(
    db,
    {
      username: options.username,
      kind: 'member',
      organisationId: org.id,
      firstName: 'Test',
      lastName: 'Användare',
      email: options.email ?? `${options.username}@testskolan.example`,
      passwordHash: options.password ? await hashPassword(options.password) : null,
      passwordChangedAt: options.password ? (options.passwordChangedAt ?? new Date()) : null,
      termsVersion: options.termsVersion === undefined ? null : options.termsVersion,
    },
    new Date(),
  );
  for (const role of options.roles ?? []) {
    await db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: org.mainUnitId, role_key: role, granted_at: new Date() }).execute();
  }
  return { ...user, mainUnitId: org.mainUnitId };
}

/**
 * The service's order for a new member, done at once: marks the user's waiting username
 * letters printed as if ONE_TIME_PASSWORD_DELAY_DAYS ago (the clock moved back for the
 * print), then runs the chore now, so the one-time password mail is queued with its
 * lifetime starting now, and every event stays in the past for the pages that list them.
 */
export async function printLettersAndSendOneTimePasswords(db: Db, userIds: number[], config: Config = parseConfig({})): Promise<void> {
  const letters = userIds.length
    ? await db.selectFrom('user_letter').select('id').where('user_id', 'in', userIds).where('printed_at', 'is', null).execute()
    : [];
  const now = new Date();
  const printedAt = new ManualClock(new Date(now.getTime() - config.rules.oneTimePasswordDelayDays * 24 * 60 * MINUTE - MINUTE));
  await markLettersPrinted(
    db,
    letters.map((letter) => letter.id),
    { userId: null, client: 'test' },
    config,
    printedAt,
  );
  // Letters marked printed through the pages just now are due at once too.
  await db
    .updateTable('user_letter')
    .set({ one_time_password_due_at: now })
    .where('one_time_password_sent_at', 'is', null)
    .where('one_time_password_due_at', '>', now)
    .execute();
  await sendDueOneTimePasswords(db, config, { now: () => new Date() });
}
