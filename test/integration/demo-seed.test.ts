import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { seedDemo } from '#server/runtime/seed.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

/** The demo's fullmaktshavare holds every role of the areas Demoskolan is approved for, as an approval leaves her. */
describe('the demo seed', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const holderRoles = async () =>
    (
      await t.db
        .selectFrom('user_unit_role')
        .innerJoin('app_user', 'app_user.id', 'user_unit_role.user_id')
        .innerJoin('unit', 'unit.id', 'user_unit_role.unit_id')
        .select(['user_unit_role.role_key', 'unit.is_main'])
        .where('app_user.username', '=', 'ds1001')
        .orderBy('user_unit_role.role_key')
        .execute()
    ).map((row) => `${row.role_key}${row.is_main ? '' : ' (not main)'}`);

  it("gives ds1001 every YH and KK role in the main unit, and completes an older demo database's once", async () => {
    const config = parseConfig({});
    await seedDemo(t.db, config);
    const all = ['KK_ANSOKAN', 'KK_BEVILJAD', 'YH_ANSOKAN', 'YH_BEVILJAD', 'YH_STUDIEDOK'];
    expect(await holderRoles()).toEqual(all);

    // An older demo database: only "Hantera ansökan YH", and the completing step never run.
    await t.db
      .deleteFrom('user_unit_role')
      .where('role_key', '!=', 'YH_ANSOKAN')
      .where('user_id', '=', t.db.selectFrom('app_user').select('id').where('username', '=', 'ds1001'))
      .execute();
    await t.db.deleteFrom('seed_run').where('name', '=', 'demo-holder-roles').execute();
    expect(await seedDemo(t.db, config)).toBe(false);
    expect(await holderRoles()).toEqual(all);
    const logged = await t.db.selectFrom('audit_event').select(['event', 'client']).where('event', '=', 'roles.changed').execute();
    expect(logged).toEqual([{ event: 'roles.changed', client: 'demo' }]);

    // Once: a role she gives away later stays away.
    await t.db.deleteFrom('user_unit_role').where('role_key', '=', 'KK_BEVILJAD').execute();
    await seedDemo(t.db, config);
    expect(await holderRoles()).not.toContain('KK_BEVILJAD');
  });
});
