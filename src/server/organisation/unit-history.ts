import { recordAudit } from '#server/platform/audit.ts';
import { findRole } from '#server/organisation/catalogue.ts';
import type { Actor } from '#server/identity/accounts.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import type { UnitRow } from '#server/organisation/admin.ts';
import type { Config } from '#server/platform/config.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { transferOfferedMail } from '#server/mail/templates.ts';

/** What the `unit_transfer.status` check allows. */
export type TransferStatus = 'proposed' | 'accepted' | 'withdrawn' | 'declined';

/**
 * A unit's life beyond its first organisation: a change of huvudman (proposed by the
 * giving organisation, accepted by the receiving one), merging and splitting. The unit
 * keeps its id and history; roles in a moved unit end, because its people belong to
 * the organisation that gave it away.
 */
export async function proposeTransfer(
  trx: Tx,
  unit: UnitRow,
  toOrgNumber: string,
  actor: Actor,
  clock: Clock,
  config: Config,
): Promise<'proposed' | 'noSuchOrganisation' | 'sameOrganisation' | 'mainUnit' | 'alreadyProposed'> {
  if (unit.is_main) return 'mainUnit';
  const receiver = await findOrganisationByNumber(trx, toOrgNumber);
  if (!receiver) return 'noSuchOrganisation';
  if (receiver.id === unit.organisation_id) return 'sameOrganisation';
  const inserted = await trx
    .insertInto('unit_transfer')
    .values({
      unit_id: unit.id,
      from_organisation_id: unit.organisation_id,
      to_organisation_id: receiver.id,
      proposed_by: actor.userId!,
      proposed_at: clock.now(),
    })
    .onConflict((oc) => oc.column('unit_id').where('status', '=', 'proposed').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return 'alreadyProposed';
  await recordAudit(trx, {
    event: 'unit.transferProposed',
    at: clock.now(),
    actorUserId: actor.userId,
    organisationId: unit.organisation_id,
    client: actor.client,
    detail: { unit: unit.name, to: receiver.name },
  });
  // The receiver's administrators hear of it by e-mail: an offer nobody sees is never answered.
  const giver = await trx.selectFrom('organisation').select('name').where('id', '=', unit.organisation_id).executeTakeFirstOrThrow();
  for (const admin of await organisationAdministrators(trx, receiver.id))
    await enqueueMail(trx, admin.email, transferOfferedMail(admin, { unit: unit.name, from: giver.name, to: receiver.name }, config));
  return 'proposed';
}

/** An organisation by its number, with or without the hyphen. */
export function findOrganisationByNumber(db: Db | Tx, orgNumber: string) {
  return db.selectFrom('organisation').select(['id', 'name', 'org_number']).where('org_number', '=', orgNumber.replace(/\D/g, '')).executeTakeFirst();
}

/** The fullmaktshavare and administratörer organisation who can be reached by e-mail. */
function organisationAdministrators(trx: Tx, organisationId: number) {
  return trx
    .selectFrom('app_user')
    .select(['first_name', 'username', 'email'])
    .where('organisation_id', '=', organisationId)
    .where('org_role', 'in', ['fullmaktshavare', 'admin_org'])
    .where('status', '=', 'active')
    .where('email', '<>', '')
    .orderBy('id')
    .execute();
}

/** Who holds which role in a unit: what a merge, split or move does to people. */
export function unitRoleHolders(db: Db, unitId: number, limit = 1000) {
  return db
    .selectFrom('user_unit_role')
    .innerJoin('app_user', 'app_user.id', 'user_unit_role.user_id')
    .select(['app_user.id as user_id', 'app_user.first_name', 'app_user.last_name', 'app_user.username', 'user_unit_role.role_key'])
    .where('user_unit_role.unit_id', '=', unitId)
    .orderBy('app_user.last_name')
    .orderBy('app_user.first_name')
    .orderBy('app_user.id')
    .orderBy('user_unit_role.role_key')
    .limit(limit)
    .execute();
}

/** How many roles, held by how many people, a unit has: counted in SQL, a unit may have thousands. */
export async function unitRoleCounts(db: Db, unitId: number): Promise<{ roles: number; users: number }> {
  const row = await db
    .selectFrom('user_unit_role')
    .select((eb) => [eb.fn.countAll<string>().as('roles'), eb.fn.count<string>('user_id').distinct().as('users')])
    .where('unit_id', '=', unitId)
    .executeTakeFirstOrThrow();
  return { roles: Number(row.roles), users: Number(row.users) };
}

/** A role's name as people read it. */
export const roleName = (key: string) => (key === 'ADMIN_ENHET' ? 'Administratör enhet' : (findRole(key)?.name ?? key));

/**
 * The receiver says no: the offer ends, the unit stays where it was, and both logs say so.
 */
export async function declineTransfer(trx: Tx, transferId: number, receiverId: number, actor: Actor, clock: Clock): Promise<boolean> {
  const transfer = await trx
    .updateTable('unit_transfer')
    .set({ status: 'declined', decided_by: actor.userId, decided_at: clock.now() })
    .where('id', '=', transferId)
    .where('to_organisation_id', '=', receiverId)
    .where('status', '=', 'proposed')
    .returning(['unit_id', 'from_organisation_id', 'to_organisation_id'])
    .executeTakeFirst();
  if (!transfer) return false;
  const unit = await trx.selectFrom('unit').select('name').where('id', '=', transfer.unit_id).executeTakeFirstOrThrow();
  const [from, to] = await Promise.all([
    trx.selectFrom('organisation').select('name').where('id', '=', transfer.from_organisation_id).executeTakeFirstOrThrow(),
    trx.selectFrom('organisation').select('name').where('id', '=', transfer.to_organisation_id).executeTakeFirstOrThrow(),
  ]);
  for (const organisationId of [transfer.from_organisation_id, transfer.to_organisation_id]) {
    await recordAudit(trx, {
      event: 'unit.transferDeclined',
      at: clock.now(),
      actorUserId: actor.userId,
      organisationId,
      client: actor.client,
      detail: { unit: unit.name, from: from.name, to: to.name },
    });
  }
  return true;
}

/** Open proposals for units coming to an organisation. */
export function incomingTransfers(db: Db, organisationId: number) {
  return db
    .selectFrom('unit_transfer')
    .innerJoin('unit', 'unit.id', 'unit_transfer.unit_id')
    .innerJoin('organisation', 'organisation.id', 'unit_transfer.from_organisation_id')
    .select(['unit_transfer.id', 'unit.name as unit_name', 'organisation.name as from_name', 'unit_transfer.proposed_at'])
    .where('unit_transfer.to_organisation_id', '=', organisationId)
    .where('unit_transfer.status', '=', 'proposed')
    .orderBy('unit_transfer.proposed_at')
    .execute();
}

/** One open offer to this organisation, with what the confirmation page says about it. */
export function incomingTransfer(db: Db, transferId: number, organisationId: number) {
  return db
    .selectFrom('unit_transfer')
    .innerJoin('unit', 'unit.id', 'unit_transfer.unit_id')
    .innerJoin('organisation', 'organisation.id', 'unit_transfer.from_organisation_id')
    .select([
      'unit_transfer.id',
      'unit.name as unit_name',
      'unit.city',
      'organisation.name as from_name',
      'organisation.org_number as from_number',
      'unit_transfer.proposed_at',
    ])
    .where('unit_transfer.id', '=', transferId)
    .where('unit_transfer.to_organisation_id', '=', organisationId)
    .where('unit_transfer.status', '=', 'proposed')
    .executeTakeFirst();
}

/**
 * Accepts a proposal: the unit moves at once, every role in it ends (each recorded),
 * and both organisations' logs say so. The register follows with its next publication.
 */
export async function acceptTransfer(trx: Tx, transferId: number, receiverId: number, actor: Actor, clock: Clock): Promise<boolean> {
  const transfer = await trx
    .updateTable('unit_transfer')
    .set({ status: 'accepted', decided_by: actor.userId, decided_at: clock.now() })
    .where('id', '=', transferId)
    .where('to_organisation_id', '=', receiverId)
    .where('status', '=', 'proposed')
    .returning(['unit_id', 'from_organisation_id', 'to_organisation_id'])
    .executeTakeFirst();
  if (!transfer) return false;
  const unit = await trx.selectFrom('unit').select('name').where('id', '=', transfer.unit_id).forUpdate().executeTakeFirstOrThrow();
  const ended = await trx.deleteFrom('user_unit_role').where('unit_id', '=', transfer.unit_id).returning(['user_id', 'role_key']).execute();
  await trx.updateTable('app_user').set({ selected_unit_id: null }).where('selected_unit_id', '=', transfer.unit_id).execute();
  await trx.updateTable('unit').set({ organisation_id: transfer.to_organisation_id, is_main: false }).where('id', '=', transfer.unit_id).execute();
  const [from, to] = await Promise.all([
    trx.selectFrom('organisation').select('name').where('id', '=', transfer.from_organisation_id).executeTakeFirstOrThrow(),
    trx.selectFrom('organisation').select('name').where('id', '=', transfer.to_organisation_id).executeTakeFirstOrThrow(),
  ]);
  const now = clock.now();
  for (const role of ended) {
    await recordAudit(trx, {
      event: 'roles.changed',
      at: now,
      actorUserId: actor.userId,
      subjectUserId: role.user_id,
      organisationId: transfer.from_organisation_id,
      client: actor.client,
      detail: { före: `${roleName(role.role_key)} i ${unit.name}`, efter: '–', orsak: 'enheten flyttades' },
    });
  }
  for (const organisationId of [transfer.from_organisation_id, transfer.to_organisation_id]) {
    await recordAudit(trx, {
      event: 'unit.transferred',
      at: now,
      actorUserId: actor.userId,
      organisationId,
      client: actor.client,
      detail: { unit: unit.name, from: from.name, to: to.name, rolesEnded: ended.length },
    });
  }
  return true;
}

/** Merges `from` into `into`: roles move over, `from` is inactivated and remembers where it went. */
export async function mergeUnits(trx: Tx, from: UnitRow, into: UnitRow, actor: Actor, clock: Clock): Promise<void> {
  // Merging reads as what happened to people too: `usersMoved` beside `rolesMoved`.
  const roles = await trx.selectFrom('user_unit_role').selectAll().where('unit_id', '=', from.id).execute();
  for (const role of roles) {
    await trx
      .insertInto('user_unit_role')
      .values({ ...role, unit_id: into.id })
      .onConflict((oc) => oc.columns(['user_id', 'unit_id', 'role_key']).doNothing())
      .execute();
  }
  await trx.deleteFrom('user_unit_role').where('unit_id', '=', from.id).execute();
  await trx.updateTable('unit').set({ status: 'inactive', merged_into_unit_id: into.id }).where('id', '=', from.id).execute();
  await recordAudit(trx, {
    event: 'unit.merged',
    at: clock.now(),
    actorUserId: actor.userId,
    organisationId: from.organisation_id,
    client: actor.client,
    detail: { from: from.name, into: into.name, unitId: into.id, rolesMoved: roles.length, usersMoved: new Set(roles.map((role) => role.user_id)).size },
  });
}

/**
 * Splits a new unit off `from`; the new unit remembers where it came from. The chosen
 * roles (`userId:ROLE` keys) go with it: each leaves `from` and is held in the new unit,
 * and each person's log says so.
 */
export async function splitUnit(trx: Tx, from: UnitRow, name: string, moves: ReadonlySet<string>, actor: Actor, clock: Clock): Promise<number> {
  const now = clock.now();
  const unit = await trx
    .insertInto('unit')
    .values({
      organisation_id: from.organisation_id,
      name,
      postal_address: from.postal_address,
      postal_code: from.postal_code,
      city: from.city,
      is_main: false,
      split_from_unit_id: from.id,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const held = await trx.selectFrom('user_unit_role').selectAll().where('unit_id', '=', from.id).forUpdate().execute();
  const moving = held.filter((role) => moves.has(`${role.user_id}:${role.role_key}`));
  const byUser = new Map<number, string[]>();
  for (const role of moving) {
    await trx.deleteFrom('user_unit_role').where('user_id', '=', role.user_id).where('unit_id', '=', from.id).where('role_key', '=', role.role_key).execute();
    await trx
      .insertInto('user_unit_role')
      .values({ ...role, unit_id: unit.id })
      .execute();
    byUser.set(role.user_id, [...(byUser.get(role.user_id) ?? []), roleName(role.role_key)]);
  }
  await recordAudit(trx, {
    event: 'unit.split',
    at: now,
    actorUserId: actor.userId,
    organisationId: from.organisation_id,
    client: actor.client,
    detail: { from: from.name, unit: name, unitId: unit.id, rolesMoved: moving.length, usersMoved: byUser.size },
  });
  for (const [userId, roles] of byUser) {
    const list = (unitName: string) => roles.map((role) => `${role} i ${unitName}`).join(', ');
    await recordAudit(trx, {
      event: 'roles.changed',
      at: now,
      actorUserId: actor.userId,
      subjectUserId: userId,
      organisationId: from.organisation_id,
      client: actor.client,
      detail: { före: list(from.name), efter: list(name), orsak: 'enheten delades' },
    });
  }
  return unit.id;
}

/** The administrator confirms that the organisation's and its units' details are right. */
export async function confirmDetails(trx: Tx, organisationId: number, actor: Actor, clock: Clock): Promise<void> {
  await trx.updateTable('organisation').set({ details_confirmed_at: clock.now() }).where('id', '=', organisationId).execute();
  await recordAudit(trx, { event: 'organisation.confirmed', at: clock.now(), actorUserId: actor.userId, organisationId, client: actor.client });
}

/** Organisations whose details were never confirmed, or not for `months` months. */
export function unconfirmedOrganisations(db: Db, months: number, now: Date) {
  const since = new Date(now);
  since.setUTCMonth(since.getUTCMonth() - months);
  return db
    .selectFrom('organisation')
    .select(['id', 'name', 'org_number', 'details_confirmed_at'])
    .where((eb) => eb.or([eb('details_confirmed_at', 'is', null), eb('details_confirmed_at', '<', since)]))
    .orderBy('details_confirmed_at', (ob) => ob.asc().nullsFirst())
    .orderBy('name')
    .limit(500)
    .execute();
}
