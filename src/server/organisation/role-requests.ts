import { type Selectable, sql } from 'kysely';
import type { RoleRequest } from '#server/platform/db-types.ts';
import type { Actor } from '#server/identity/accounts.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { cell, setRoles } from '#server/organisation/admin.ts';
import { findArea } from '#server/organisation/catalogue.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import { enqueueMail, renderMail } from '#server/mail/mail.ts';

/** What the `role_request.status` check allows. */
export type RoleRequestStatus = 'inskickad' | 'underlag_mottaget' | 'godkand' | 'avslagen';
export type RequestResult =
  | { kind: 'ok'; id: number; reference: string }
  | { kind: 'refused'; reason: 'alreadyApproved' | 'alreadyRequested' | 'unknownArea' | 'none' };

/** Areas the organisation may still ask for: in the catalogue, not approved, not already asked for. */
export async function requestableAreas(db: Db, organisationId: number, areaKeys: string[]): Promise<string[]> {
  const approved = new Set(
    (await db.selectFrom('organisation_area').select('area_key').where('organisation_id', '=', organisationId).execute()).map((row) => row.area_key),
  );
  const open = new Set(
    (await db.selectFrom('role_request_area').select('area_key').where('organisation_id', '=', organisationId).where('open', '=', true).execute()).map(
      (row) => row.area_key,
    ),
  );
  return areaKeys.filter((key) => !approved.has(key) && !open.has(key));
}

export async function createRoleRequest(db: Db, organisationId: number, areas: string[], actor: Actor, clock: Clock): Promise<RequestResult> {
  if (areas.length === 0) return { kind: 'refused', reason: 'none' };
  if (areas.some((key) => !findArea(key))) return { kind: 'refused', reason: 'unknownArea' };
  try {
    return await db.transaction().execute(async (trx) => {
      const approved = await trx
        .selectFrom('organisation_area')
        .select('area_key')
        .where('organisation_id', '=', organisationId)
        .where('area_key', 'in', areas)
        .executeTakeFirst();
      if (approved) return { kind: 'refused', reason: 'alreadyApproved' } as const;
      const now = clock.now();
      const { id } = (await sql<{ id: number }>`select nextval('role_request_id_seq')::int as id`.execute(trx)).rows[0];
      const reference = `NR-${now.getUTCFullYear()}-${String(id).padStart(5, '0')}`;
      await trx
        .insertInto('role_request')
        .values({ id, reference, organisation_id: organisationId, requested_by: actor.userId!, status: 'inskickad', created_at: now })
        .execute();
      await trx
        .insertInto('role_request_area')
        .values(areas.map((area) => ({ role_request_id: id, organisation_id: organisationId, area_key: area })))
        .execute();
      await recordRoleRequestEvent(trx, id, 'inskickad', now, actor);
      await recordAudit(trx, {
        event: 'roleRequest.created',
        at: now,
        actorUserId: actor.userId,
        organisationId,
        client: actor.client,
        detail: { reference, areas: areas.join(' ') },
      });
      return { kind: 'ok', id, reference } as const;
    });
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'role_request_area_one_open') return { kind: 'refused', reason: 'alreadyRequested' };
    throw error;
  }
}

/** One role request, or undefined when the id names none. */
export function getRoleRequest(db: Db, id: number): Promise<Selectable<RoleRequest> | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return Promise.resolve(undefined);
  return db.selectFrom('role_request').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One role request with the name of the organisation asking, for the back office. */
export function roleRequestForOffice(db: Db, id: number) {
  if (!Number.isSafeInteger(id) || id <= 0) return Promise.resolve(undefined);
  return db
    .selectFrom('role_request')
    .innerJoin('organisation', 'organisation.id', 'role_request.organisation_id')
    .leftJoin('app_user', 'app_user.id', 'role_request.requested_by')
    .selectAll('role_request')
    .select([
      'organisation.name as organisation_name',
      'organisation.org_number',
      'app_user.first_name as requester_first_name',
      'app_user.last_name as requester_last_name',
    ])
    .where('role_request.id', '=', id)
    .executeTakeFirst();
}

export async function roleRequestAreas(db: Db, id: number): Promise<string[]> {
  return (await db.selectFrom('role_request_area').select('area_key').where('role_request_id', '=', id).orderBy('area_key').execute()).map(
    (row) => row.area_key,
  );
}

export function listRoleRequests(db: Db, filter: { organisationId?: number; status?: RoleRequestStatus }) {
  let query = db
    .selectFrom('role_request')
    .innerJoin('organisation', 'organisation.id', 'role_request.organisation_id')
    .selectAll('role_request')
    .select(['organisation.name as organisation_name', 'organisation.org_number']);
  if (filter.organisationId) query = query.where('role_request.organisation_id', '=', filter.organisationId);
  if (filter.status) query = query.where('role_request.status', '=', filter.status);
  return query.orderBy('role_request.created_at', 'desc').limit(200).execute();
}

export type DecideResult = { kind: 'ok' } | { kind: 'refused'; reason: 'notFound' | 'wrongStatus' | 'paperMissing' };

/** Staff: the signed paper arrived, approve (the areas become the organisation's) or reject; the row is locked first. */
export async function decideRoleRequest(
  db: Db,
  id: number,
  decision: { kind: 'paper'; receivedOn: string } | { kind: 'approve' } | { kind: 'reject'; reason: string },
  actor: Actor,
  config: Config,
  clock: Clock,
): Promise<DecideResult> {
  return db.transaction().execute(async (trx) => {
    const request = await trx.selectFrom('role_request').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!request) return { kind: 'refused', reason: 'notFound' } as const;
    const now = clock.now();
    if (decision.kind === 'paper') {
      if (request.status !== 'inskickad') return { kind: 'refused', reason: 'wrongStatus' } as const;
      await trx.updateTable('role_request').set({ status: 'underlag_mottaget', paper_received_on: decision.receivedOn }).where('id', '=', id).execute();
      await recordRoleRequestEvent(trx, id, 'underlag_mottaget', now, actor, `Underlaget mottaget ${decision.receivedOn}`);
      await recordAudit(trx, {
        event: 'roleRequest.paperReceived',
        at: now,
        actorUserId: actor.userId,
        organisationId: request.organisation_id,
        client: actor.client,
        detail: { reference: request.reference, receivedOn: decision.receivedOn },
      });
      return { kind: 'ok' } as const;
    }
    if (decision.kind === 'approve' && request.status === 'inskickad') return { kind: 'refused', reason: 'paperMissing' } as const;
    if (request.status !== 'inskickad' && request.status !== 'underlag_mottaget') return { kind: 'refused', reason: 'wrongStatus' } as const;
    const areas = await trx.selectFrom('role_request_area').select('area_key').where('role_request_id', '=', id).execute();
    if (decision.kind === 'approve') {
      await trx
        .insertInto('organisation_area')
        .values(areas.map((area) => ({ organisation_id: request.organisation_id, area_key: area.area_key, approved_at: now })))
        .onConflict((oc) => oc.columns(['organisation_id', 'area_key']).doNothing())
        .execute();
      await grantHolderRoles(
        trx,
        request.organisation_id,
        areas.map((area) => area.area_key),
        actor,
        clock,
      );
    }
    await trx.updateTable('role_request_area').set({ open: false }).where('role_request_id', '=', id).execute();
    const approved = decision.kind === 'approve';
    await trx
      .updateTable('role_request')
      .set({ status: approved ? 'godkand' : 'avslagen', decided_at: now, decision_note: approved ? null : decision.reason })
      .where('id', '=', id)
      .execute();
    await recordRoleRequestEvent(trx, id, approved ? 'godkand' : 'avslagen', now, actor, approved ? null : decision.reason);
    const areaNames = areas.map((area) => findArea(area.area_key)?.name ?? area.area_key).join(', ');
    await recordAudit(trx, {
      event: approved ? 'roleRequest.approved' : 'roleRequest.rejected',
      at: now,
      actorUserId: actor.userId,
      organisationId: request.organisation_id,
      client: actor.client,
      detail: { reference: request.reference, areas: areaNames },
    });
    const requester = await trx.selectFrom('app_user').select(['email', 'first_name']).where('id', '=', request.requested_by).executeTakeFirst();
    if (requester) {
      await enqueueMail(
        trx,
        requester.email,
        renderMail(
          {
            subject: approved ? `Ny roll godkänd: ${request.reference}` : `Beslut om ny roll: ${request.reference}`,
            greeting: `Hej ${requester.first_name}!`,
            paragraphs: approved
              ? [
                  `Organisationen är nu godkänd för ${areaNames}. Fullmaktshavaren har fått områdets roller i huvudorganisationen och kan ge dem till fler under Organisation och användare.`,
                ]
              : [`Ansökan om ${areaNames} har avslagits.`, `Motivering: ${decision.kind === 'reject' ? decision.reason : ''}`],
          },
          config.authority,
        ),
      );
    }
    return { kind: 'ok' } as const;
  });
}

/**
 * As at the organisation's first approval: the active fullmaktshavare gets every service
 * role of the newly approved areas in the huvudorganisation, so that a one-person
 * organisation can use the area at once. Roles already held stay; the change is audited.
 */
async function grantHolderRoles(trx: Tx, organisationId: number, areaKeys: string[], actor: Actor, clock: Clock): Promise<void> {
  const main = await trx.selectFrom('unit').select('id').where('organisation_id', '=', organisationId).where('is_main', '=', true).executeTakeFirst();
  const holder = await trx
    .selectFrom('app_user')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .where('org_role', '=', 'fullmaktshavare')
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!main || !holder) return;
  const roles = new Set(areaKeys.flatMap((key) => findArea(key)?.roles.map((role) => cell(main.id, role.key)) ?? []));
  await setRoles(trx, holder, roles, roles, actor, clock);
}

/** A history row of a role request, naming the person who took the step as they are named now. */
async function recordRoleRequestEvent(trx: Tx, id: number, status: RoleRequestStatus, at: Date, actor: Actor, note: string | null = null): Promise<void> {
  const user = actor.userId
    ? await trx.selectFrom('app_user').select(['first_name', 'last_name']).where('id', '=', actor.userId).executeTakeFirst()
    : undefined;
  await trx
    .insertInto('role_request_event')
    .values({
      role_request_id: id,
      status,
      at,
      note,
      actor_user_id: actor.userId ?? null,
      actor_name: user ? `${user.first_name} ${user.last_name}` : null,
    })
    .execute();
}

/** A role request's history, oldest first: what happened, when and who did it. */
export function roleRequestEvents(db: Db, id: number) {
  return db
    .selectFrom('role_request_event')
    .select(['status', 'at', 'note', 'actor_name'])
    .where('role_request_id', '=', id)
    .orderBy('at')
    .orderBy('id')
    .execute();
}
