import type { Db } from '#server/platform/database.ts';

/** An enhetskod as callers read it out: `E` and digits, any case, spaces ignored. */
export function parseUnitCode(text: string): string | undefined {
  const code = text.replace(/\s+/g, '').toUpperCase();
  return /^E\d{6,}$/.test(code) ? code : undefined;
}

/** The unit with an enhetskod, its organisation and the users with roles in it: what support needs on the phone. */
export async function findUnitByCode(db: Db, code: string) {
  const unit = await db
    .selectFrom('unit')
    .innerJoin('organisation', 'organisation.id', 'unit.organisation_id')
    .select(['unit.id', 'unit.name', 'unit.unit_code', 'unit.status', 'organisation.name as organisation_name', 'organisation.org_number'])
    .where('unit.unit_code', '=', code)
    .executeTakeFirst();
  if (!unit) return undefined;
  const users = await db
    .selectFrom('app_user')
    .select(['app_user.id', 'app_user.first_name', 'app_user.last_name', 'app_user.username'])
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('user_unit_role')
          .select('user_unit_role.user_id')
          .whereRef('user_unit_role.user_id', '=', 'app_user.id')
          .where('user_unit_role.unit_id', '=', unit.id),
      ),
    )
    .orderBy('app_user.last_name')
    .orderBy('app_user.first_name')
    .limit(200)
    .execute();
  return { unit, users };
}
