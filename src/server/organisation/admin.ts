import type { Selectable } from 'kysely';
import { createAccount, type Actor } from '#server/identity/accounts.ts';
import { ensureLetter } from '#server/identity/letters.ts';
import { decide, UNIT_ADMIN_ROLE, type AdminActor, type TargetUser } from '#server/organisation/policy.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { catalogue } from '#server/organisation/catalogue.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import type { Unit } from '#server/platform/db-types.ts';
import type { User } from '#server/identity/users.ts';
import { containsPattern } from '#server/platform/like.ts';
import { fetchPage, pageCount, pageWindow } from '#server/platform/paging.ts';

/** The data behind Organisation & användare. Decisions are admin-policy.ts's; this module reads and writes. */
export type UnitRow = Selectable<Unit>;
/** What the `unit.status` check allows. */
export type UnitStatus = 'active' | 'inactive';
export const USERS_PAGE_SIZE = 50;
const UNITS_PAGE_SIZE = 50;
/**
 * Units a page of the role editor shows: each brings a group of checkboxes, and a keyboard
 * user tabs through all of them to reach "Spara"; a big organisation searches instead.
 */
export const ROLE_EDITOR_UNITS = 10;

export async function loadActor(db: Db | Tx, user: User): Promise<AdminActor> {
  const units = await db.selectFrom('user_unit_role').select('unit_id').where('user_id', '=', user.id).where('role_key', '=', UNIT_ADMIN_ROLE).execute();
  // Whether the authority administers the organisation's users (see policy.ts): then its own administrators only see them.
  const organisation =
    user.organisation_id === null
      ? undefined
      : await db.selectFrom('organisation').select('administered_by_authority').where('id', '=', user.organisation_id).executeTakeFirst();
  return {
    userId: user.id,
    organisationId: user.organisation_id,
    orgRole: user.org_role,
    adminUnits: new Set(units.map((row) => row.unit_id)),
    administered: organisation?.administered_by_authority ?? false,
  };
}

export async function loadTarget(db: Db | Tx, userId: number): Promise<(TargetUser & { user: User }) | undefined> {
  const user = await db.selectFrom('app_user').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) return undefined;
  const units = await db.selectFrom('user_unit_role').select('unit_id').where('user_id', '=', userId).execute();
  return { id: user.id, organisationId: user.organisation_id, orgRole: user.org_role, units: new Set(units.map((row) => row.unit_id)), user };
}

/** The service roles of the organisation's approved areas. */
export async function approvedRoles(db: Db | Tx, organisationId: number): Promise<Set<string>> {
  const areas = new Set(
    (await db.selectFrom('organisation_area').select('area_key').where('organisation_id', '=', organisationId).execute()).map((row) => row.area_key),
  );
  return new Set(
    catalogue()
      .areas.filter((area) => areas.has(area.key))
      .flatMap((area) => area.roles.map((role) => role.key)),
  );
}

export const getOrganisation = (db: Db | Tx, id: number) => db.selectFrom('organisation').selectAll().where('id', '=', id).executeTakeFirst();

export const getUnit = (db: Db | Tx, id: number): Promise<UnitRow | undefined> =>
  Number.isSafeInteger(id) && id > 0 ? db.selectFrom('unit').selectAll().where('id', '=', id).executeTakeFirst() : Promise.resolve(undefined);

/** Whether the user administers anything: an organisation role, or administratör enhet in some unit. */
export async function isAdministrator(db: Db | Tx, user: Pick<User, 'id' | 'org_role'>): Promise<boolean> {
  if (user.org_role !== null) return true;
  return (
    (await db.selectFrom('user_unit_role').select('unit_id').where('user_id', '=', user.id).where('role_key', '=', UNIT_ADMIN_ROLE).executeTakeFirst()) !==
    undefined
  );
}

export const listUnits = (db: Db | Tx, organisationId: number) =>
  db.selectFrom('unit').selectAll().where('organisation_id', '=', organisationId).orderBy('is_main', 'desc').orderBy('name').execute();

export interface UnitPage {
  rows: UnitRow[];
  total: number;
  /** The page shown: the one asked for, within 1…pages. */
  page: number;
  pages: number;
}

/**
 * One page of the organisation's units, searched by name, in SQL: an organisation may
 * have tens of thousands, and no page may carry (or loop over) them all.
 * `within`: only these units; `orHeldBy`: also the units where this user holds a role.
 */
export async function pageUnits(
  db: Db | Tx,
  organisationId: number,
  options: {
    query?: string;
    page?: number;
    activeOnly?: boolean;
    within?: ReadonlySet<number>;
    orHeldBy?: number;
    except?: number;
    /** The units where this user holds a role come first: the role editor opens on them. */
    heldFirst?: number;
    pageSize?: number;
  },
): Promise<UnitPage> {
  let base = db.selectFrom('unit').where('unit.organisation_id', '=', organisationId);
  const query = options.query?.trim().toLowerCase();
  if (query) base = base.where((eb) => eb(eb.fn('lower', [eb.ref('unit.name')]), 'like', containsPattern(query)));
  if (options.except !== undefined) base = base.where('unit.id', '!=', options.except);
  const within = options.within ? [...options.within] : undefined;
  base = base.where((eb) => {
    const shown = [];
    if (options.activeOnly) shown.push(eb('unit.status', '=', 'active'));
    if (within) shown.push(within.length ? eb('unit.id', 'in', within) : eb.val(false));
    const offered = eb.and(shown);
    if (options.orHeldBy === undefined) return offered;
    return eb.or([offered, eb('unit.id', 'in', eb.selectFrom('user_unit_role').select('unit_id').where('user_id', '=', options.orHeldBy))]);
  });
  const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const total = Number(count.n);
  const size = options.pageSize ?? UNITS_PAGE_SIZE;
  const pages = pageCount(total, size);
  const page = Math.min(pages, Math.max(1, Math.floor(options.page ?? 1)));
  const { limit, offset } = pageWindow(page, size);
  let ordered = base.selectAll('unit');
  const holder = options.heldFirst;
  if (holder !== undefined)
    ordered = ordered.orderBy(
      (eb) => eb.exists(eb.selectFrom('user_unit_role').select('unit_id').where('user_id', '=', holder).whereRef('user_unit_role.unit_id', '=', 'unit.id')),
      'desc',
    );
  const rows = await ordered.orderBy('unit.is_main', 'desc').orderBy('unit.name').orderBy('unit.id').limit(limit).offset(offset).execute();
  return { rows, total, page, pages };
}

export async function approvedAreas(db: Db | Tx, organisationId: number) {
  return db.selectFrom('organisation_area').select(['area_key', 'approved_at']).where('organisation_id', '=', organisationId).orderBy('area_key').execute();
}

/** Users of the organisation (or of the given units only), searched and paged. */
export async function listUsers(db: Db, organisationId: number, options: { query?: string; page?: number; units?: ReadonlySet<number> }) {
  let base = db.selectFrom('app_user').where('app_user.organisation_id', '=', organisationId);
  if (options.units) {
    const units = [...options.units];
    if (units.length === 0) return { rows: [], total: 0 };
    base = base.where('app_user.id', 'in', db.selectFrom('user_unit_role').select('user_id').where('unit_id', 'in', units));
  }
  const query = options.query?.trim().toLowerCase();
  if (query) {
    const needle = containsPattern(query);
    base = base.where((eb) =>
      eb.or([
        eb('app_user.username', 'like', needle),
        eb(eb.fn('lower', [eb.ref('app_user.first_name')]), 'like', needle),
        eb(eb.fn('lower', [eb.ref('app_user.last_name')]), 'like', needle),
        eb(eb.fn('lower', [eb.ref('app_user.email')]), 'like', needle),
      ]),
    );
  }
  return fetchPage(
    base,
    (rows) => rows.selectAll('app_user').orderBy('app_user.last_name').orderBy('app_user.first_name').orderBy('app_user.id'),
    options.page ?? 1,
    USERS_PAGE_SIZE,
  );
}

export interface ContactFields {
  postal_address: string;
  postal_code: string;
  city: string;
  phone: string;
  email: string;
}

export async function updateOrganisation(trx: Tx, organisationId: number, fields: ContactFields, actor: Actor, clock: Clock): Promise<void> {
  const before = await getOrganisation(trx, organisationId);
  await trx.updateTable('organisation').set(fields).where('id', '=', organisationId).execute();
  await recordAudit(trx, {
    event: 'organisation.updated',
    at: clock.now(),
    actorUserId: actor.userId,
    organisationId,
    client: actor.client,
    detail: changes(before ?? {}, fields),
  });
}

export async function addUnit(
  trx: Tx,
  organisationId: number,
  fields: { name: string; postal_address: string; postal_code: string; city: string },
  actor: Actor,
  clock: Clock,
): Promise<number> {
  const unit = await trx
    .insertInto('unit')
    .values({ organisation_id: organisationId, ...fields, is_main: false, created_at: clock.now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    event: 'unit.added',
    at: clock.now(),
    actorUserId: actor.userId,
    organisationId,
    client: actor.client,
    detail: { unit: fields.name, unitId: unit.id },
  });
  return unit.id;
}

export async function updateUnit(
  trx: Tx,
  unit: UnitRow,
  fields: { name: string; postal_address: string; postal_code: string; city: string; status: 'active' | 'inactive' },
  actor: Actor,
  clock: Clock,
): Promise<void> {
  await trx.updateTable('unit').set(fields).where('id', '=', unit.id).execute();
  await recordAudit(trx, {
    event: 'unit.updated',
    at: clock.now(),
    actorUserId: actor.userId,
    organisationId: unit.organisation_id,
    client: actor.client,
    detail: { unitId: unit.id, ...changes(unit, fields) },
  });
}

/**
 * The cells of the units × roles grid the actor may change for `target` (a new user: id
 * -1, no units), among the given units: never the whole organisation, which may be huge.
 */
export async function changeableCells(
  db: Db | Tx,
  actor: AdminActor,
  organisationId: number,
  target: TargetUser,
  unitIds: Iterable<number>,
): Promise<Set<string>> {
  const ids = [...new Set(unitIds)].filter((id) => Number.isSafeInteger(id));
  if (ids.length === 0) return new Set();
  const approved = await approvedRoles(db, organisationId);
  const units = await db
    .selectFrom('unit')
    .select('id')
    .where('organisation_id', '=', organisationId)
    .where('status', '=', 'active')
    .where('id', 'in', ids)
    .execute();
  const allowed = new Set<string>();
  for (const unit of units) {
    for (const role of [...approved, UNIT_ADMIN_ROLE]) {
      if (decide(actor, { kind: 'role.change', target, organisationId, unitId: unit.id, role, approvedRoles: approved }).allowed)
        allowed.add(cell(unit.id, role));
    }
  }
  return allowed;
}

/** The grid's columns as role keys: the catalogue's roles that appear among `cells`, then administratör enhet. */
export function gridRoles(cells: Set<string>, held: Set<string> = new Set()): string[] {
  const keys = new Set([...cells, ...held].map((key) => key.split(':')[1]));
  const roles = catalogue()
    .areas.flatMap((area) => area.roles)
    .filter((role) => keys.has(role.key))
    .map((role) => role.key);
  return keys.has(UNIT_ADMIN_ROLE) ? [...roles, UNIT_ADMIN_ROLE] : roles;
}

/** `unitId:ROLE` strings: one cell of the units × roles grid. */
export const cell = (unitId: number, role: string) => `${unitId}:${role}`;

export async function rolesOf(db: Db | Tx, userId: number): Promise<Set<string>> {
  const rows = await db.selectFrom('user_unit_role').select(['unit_id', 'role_key']).where('user_id', '=', userId).execute();
  return new Set(rows.map((row) => cell(row.unit_id, row.role_key)));
}

/** Sets the user's roles to `wanted`, touching only the `changeable` cells; records before and after. */
export async function setRoles(
  trx: Tx,
  target: User,
  wanted: Set<string>,
  changeable: Set<string>,
  actor: Actor,
  clock: Clock,
): Promise<{ added: string[]; removed: string[] }> {
  const current = await rolesOf(trx, target.id);
  const added = [...wanted].filter((key) => changeable.has(key) && !current.has(key));
  const removed = [...current].filter((key) => changeable.has(key) && !wanted.has(key));
  const now = clock.now();
  for (const key of added) {
    const [unitId, role] = key.split(':');
    await trx
      .insertInto('user_unit_role')
      .values({ user_id: target.id, unit_id: Number(unitId), role_key: role, granted_at: now })
      .execute();
  }
  for (const key of removed) {
    const [unitId, role] = key.split(':');
    await trx.deleteFrom('user_unit_role').where('user_id', '=', target.id).where('unit_id', '=', Number(unitId)).where('role_key', '=', role).execute();
  }
  if (added.length || removed.length) {
    const after = new Set([...current].filter((key) => !removed.includes(key)).concat(added));
    const readable = await describeCells(trx, [...current, ...added]);
    const list = (keys: Iterable<string>) =>
      [...keys]
        .map((key) => readable.get(key)!)
        .sort()
        .join(', ') || '–';
    await recordAudit(trx, {
      event: 'roles.changed',
      at: now,
      actorUserId: actor.userId,
      subjectUserId: target.id,
      organisationId: target.organisation_id,
      client: actor.client,
      detail: { före: list(current), efter: list(after) },
    });
  }
  // The first role given to a new member is what sends them their username letter.
  if (added.length) await ensureLetter(trx, target.id, clock);
  return { added, removed };
}

/** "Hantera ansökan YH i Enhet A" for each `unitId:ROLE` cell: how the event log shows roles to a person. */
async function describeCells(trx: Tx, keys: string[]): Promise<Map<string, string>> {
  const unitIds = [...new Set(keys.map((key) => Number(key.split(':')[0])))];
  const units = new Map(
    unitIds.length ? (await trx.selectFrom('unit').select(['id', 'name']).where('id', 'in', unitIds).execute()).map((unit) => [unit.id, unit.name]) : [],
  );
  const roles = new Map(catalogue().areas.flatMap((area) => area.roles.map((role) => [role.key, role.name] as const)));
  return new Map(
    keys.map((key) => {
      const [unitId, role] = key.split(':');
      const roleName = role === UNIT_ADMIN_ROLE ? 'Administratör enhet' : (roles.get(role) ?? role);
      return [key, `${roleName} i ${units.get(Number(unitId)) ?? unitId}`];
    }),
  );
}

/** Adds a user with roles; with a role the user gets a username letter, without one nothing yet. */
export async function addUser(
  trx: Tx,
  organisationId: number,
  person: { firstName: string; lastName: string; email: string; phone: string },
  roles: Set<string>,
  actor: Actor,
  config: Config,
  clock: Clock,
): Promise<User> {
  const user = await createAccount(trx, { kind: 'member', organisationId, ...person }, actor, config, clock);
  await setRoles(trx, user, roles, roles, actor, clock);
  return user;
}

/**
 * Adds a person with the roles `wanted` when every one of them is a role `admin` may give
 * a new user of the organisation: the organisation's own administrators and, for an
 * organisation the authority administers, the handläggare alike. Otherwise nothing is
 * written and the answer is undefined, so that each caller refuses with its own reason.
 */
export async function addUserWithRoles(
  db: Db,
  admin: AdminActor,
  organisationId: number,
  person: { firstName: string; lastName: string; email: string; phone: string },
  wanted: Set<string>,
  actor: Actor,
  config: Config,
  clock: Clock,
): Promise<User | undefined> {
  const unitIds = [...wanted].map((key) => Number(key.split(':')[0]));
  const allowed = await changeableCells(db, admin, organisationId, { id: -1, organisationId, orgRole: null, units: new Set() }, unitIds);
  if ([...wanted].some((key) => !allowed.has(key))) return undefined;
  return db.transaction().execute((trx) => addUser(trx, organisationId, person, wanted, actor, config, clock));
}

function changes(before: object, after: object): Record<string, string> {
  const detail: Record<string, string> = {};
  for (const [key, value] of Object.entries(after)) {
    const old = (before as Record<string, unknown>)[key];
    if (String(old ?? '') !== String(value)) detail[key] = `${String(old ?? '')} → ${String(value)}`;
  }
  return detail;
}
