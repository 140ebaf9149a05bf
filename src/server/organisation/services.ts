import { allRoles, catalogue, findService, type Catalogue, type Service } from '#server/organisation/catalogue.ts';
import type { Db } from '#server/platform/database.ts';

export interface UnitChoice {
  id: number;
  name: string;
  isMain: boolean;
}

export interface GrantedService extends Service {
  /** The user's roles in the unit that grant this service. */
  roles: string[];
}

/** The units where the user holds at least one service role: what *vald enhet* offers. */
export function unitsWithRoles(db: Db, userId: number): Promise<UnitChoice[]> {
  return db
    .selectFrom('unit')
    .innerJoin('user_unit_role', 'user_unit_role.unit_id', 'unit.id')
    .select(['unit.id', 'unit.name', 'unit.is_main as isMain'])
    .where('user_unit_role.user_id', '=', userId)
    .groupBy(['unit.id', 'unit.name', 'unit.is_main'])
    .orderBy('unit.is_main', 'desc')
    .orderBy('unit.name')
    .execute();
}

/** The services the user's roles grant in one unit, in catalogue order. */
export async function servicesInUnit(db: Db, userId: number, unitId: number, c: Catalogue = catalogue()): Promise<GrantedService[]> {
  const keys = new Set(
    (await db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', userId).where('unit_id', '=', unitId).execute()).map((row) => row.role_key),
  );
  const granted = new Map<string, GrantedService>();
  for (const role of allRoles(c).filter((role) => keys.has(role.key))) {
    const service = findService(role.service, c);
    if (!service) continue;
    const entry = granted.get(service.key) ?? { ...service, roles: [] };
    entry.roles.push(role.name);
    granted.set(service.key, entry);
  }
  return c.services.filter((service) => granted.has(service.key)).map((service) => granted.get(service.key)!);
}

/** The unit to show: the remembered one if the user still has roles there, else the first. */
export function chooseUnit(units: UnitChoice[], remembered: number | null): UnitChoice | undefined {
  return units.find((unit) => unit.id === remembered) ?? units[0];
}

/** Remembers the user's *vald enhet*; refuses a unit where they hold no role. */
export async function rememberUnit(db: Db, userId: number, unitId: number): Promise<boolean> {
  const units = await unitsWithRoles(db, userId);
  if (!units.some((unit) => unit.id === unitId)) return false;
  await db.updateTable('app_user').set({ selected_unit_id: unitId }).where('id', '=', userId).execute();
  return true;
}
