import type { Db } from '#server/platform/database.ts';
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
