import { allRoles, catalogue, roleService, type Catalogue, type Service, type ServiceRole } from '#server/organisation/catalogue.ts';
import type { Db } from '#server/platform/database.ts';

export interface UnitChoice {
  id: number;
  name: string;
  isMain: boolean;
  /** The unit's enhetskod: what the user gives when calling the authority. */
  code: string;
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
    .select(['unit.id', 'unit.name', 'unit.is_main as isMain', 'unit.unit_code as code'])
    .where('user_unit_role.user_id', '=', userId)
    .groupBy(['unit.id', 'unit.name', 'unit.is_main', 'unit.unit_code'])
    .orderBy('unit.is_main', 'desc')
    .orderBy('unit.name')
    .execute();
}

/** The services the user's roles grant in one unit, in catalogue order. */
export async function servicesInUnit(db: Db, userId: number, unitId: number, c: Catalogue = catalogue()): Promise<GrantedService[]> {
  const keys = new Set(
    (await db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', userId).where('unit_id', '=', unitId).execute()).map((row) => row.role_key),
  );
  const held = allRoles(c).filter((role) => keys.has(role.key));
  return c.services
    .map((service) => ({ ...service, roles: held.filter((role) => role.service === roleService(service)).map((role) => role.name) }))
    .filter((service) => service.roles.length > 0);
}

/**
 * The units where the user's roles grant one service, each with those roles: what an
 * e-service that signs in through the portal may be given, and what the user picks from.
 */
export async function unitsForService(
  db: Db,
  userId: number,
  service: Service,
  c: Catalogue = catalogue(),
): Promise<Array<UnitChoice & { roles: ServiceRole[] }>> {
  const roles = new Map(
    allRoles(c)
      .filter((role) => role.service === roleService(service))
      .map((role) => [role.key, role]),
  );
  if (!roles.size) return [];
  const rows = await db
    .selectFrom('unit')
    .innerJoin('user_unit_role', 'user_unit_role.unit_id', 'unit.id')
    .select(['unit.id', 'unit.name', 'unit.is_main as isMain', 'unit.unit_code as code', 'user_unit_role.role_key'])
    .where('user_unit_role.user_id', '=', userId)
    .where('user_unit_role.role_key', 'in', [...roles.keys()])
    .orderBy('unit.is_main', 'desc')
    .orderBy('unit.name')
    .orderBy('user_unit_role.role_key')
    .execute();
  const units = new Map<number, UnitChoice & { roles: ServiceRole[] }>();
  for (const row of rows) {
    const unit = units.get(row.id) ?? { id: row.id, name: row.name, isMain: row.isMain, code: row.code, roles: [] };
    unit.roles.push(roles.get(row.role_key)!);
    units.set(row.id, unit);
  }
  return [...units.values()];
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

/** The optional e-mails a user may turn off or on (Anpassa). */
export interface MailPreferences {
  passwordReminders: boolean;
  news: boolean;
}

/**
 * Saves Anpassa: the unit Mina tjänster opens with (one where the user holds a role, or
 * none to keep the current choice) and the optional e-mails. False when the unit is not theirs.
 */
export async function savePreferences(db: Db, userId: number, unitId: number | undefined, mail: MailPreferences): Promise<boolean> {
  if (unitId !== undefined && !(await unitsWithRoles(db, userId)).some((unit) => unit.id === unitId)) return false;
  await db
    .updateTable('app_user')
    .set({ mail_password_reminders: mail.passwordReminders, mail_news: mail.news, ...(unitId !== undefined ? { selected_unit_id: unitId } : {}) })
    .where('id', '=', userId)
    .execute();
  return true;
}

/**
 * The areas whose news concern a user: the approved areas of their organisation and the
 * areas of the roles they hold.
 */
export async function userAreas(db: Db, userId: number, organisationId: number | null, c: Catalogue = catalogue()): Promise<Set<string>> {
  const areas = new Set<string>();
  if (organisationId !== null) {
    const approved = await db.selectFrom('organisation_area').select('area_key').where('organisation_id', '=', organisationId).execute();
    for (const row of approved) areas.add(row.area_key);
  }
  const keys = new Set((await db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', userId).execute()).map((row) => row.role_key));
  for (const role of allRoles(c)) if (keys.has(role.key)) areas.add(role.area);
  return areas;
}
