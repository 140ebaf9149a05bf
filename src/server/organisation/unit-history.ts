import { recordAudit } from '#server/platform/audit.ts';
import { findRole } from '#server/organisation/catalogue.ts';
import type { Actor } from '#server/identity/accounts.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import type { UnitRow } from '#server/organisation/admin.ts';

/** What the `unit_transfer.status` check allows. */
export type TransferStatus = 'proposed' | 'accepted' | 'withdrawn';

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
): Promise<'proposed' | 'noSuchOrganisation' | 'sameOrganisation' | 'mainUnit' | 'alreadyProposed'> {
  if (unit.is_main) return 'mainUnit';
  const receiver = await trx.selectFrom('organisation').select(['id', 'name']).where('org_number', '=', toOrgNumber.replace(/-/g, '')).executeTakeFirst();
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
  return 'proposed';
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
    const roleName = role.role_key === 'ADMIN_ENHET' ? 'Administratör enhet' : (findRole(role.role_key)?.name ?? role.role_key);
    await recordAudit(trx, {
      event: 'roles.changed',
      at: now,
      actorUserId: actor.userId,
      subjectUserId: role.user_id,
      organisationId: transfer.from_organisation_id,
      client: actor.client,
      detail: { före: `${roleName} i ${unit.name}`, efter: '–', orsak: 'enheten flyttades' },
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
    detail: { from: from.name, into: into.name, rolesMoved: roles.length },
  });
}

/** Splits a new unit off `from`; the new unit remembers where it came from. */
export async function splitUnit(trx: Tx, from: UnitRow, name: string, actor: Actor, clock: Clock): Promise<number> {
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
      created_at: clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    event: 'unit.split',
    at: clock.now(),
    actorUserId: actor.userId,
    organisationId: from.organisation_id,
    client: actor.client,
    detail: { from: from.name, unit: name },
  });
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
