import { type Actor, setUserActive } from '#server/identity/accounts.ts';
import type { User } from '#server/identity/users.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { organisationClosedMail, organisationReopenedMail } from '#server/mail/templates.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';

/**
 * Closing an organisation that has stopped operating, and reopening it. Closing never
 * deletes: the organisation and its units are marked (closed, inactive) and leave the
 * next register publication; its users are inactivated and their sessions end in the
 * same transaction, so a signed-in user's next request is signed out. The closure row
 * keeps exactly which users, units and role requests closing changed, so reopening
 * (within REOPEN_DAYS) restores those and leaves alone whatever was inactive before.
 */

export const WITHDRAWN_NOTE = 'Återkallad: organisationen stängdes.';

export type ClosureResult = { kind: 'done' } | { kind: 'refused'; reason: 'notFound' | 'alreadyClosed' | 'notClosed' | 'tooLate' };

export interface ClosureState {
  closedAt: Date;
  reason: string;
  closedBy: string | null;
  /** The last day reopening is possible. */
  reopenUntil: Date;
  reopenable: boolean;
  users: number;
  units: number;
}

const DAY = 24 * 60 * 60_000;

/** The organisation's open closure, if it is closed, with what reopening would restore. */
export async function currentClosure(db: Db, organisationId: number, config: Config, clock: Clock): Promise<ClosureState | undefined> {
  const row = await db
    .selectFrom('organisation_closure')
    .leftJoin('app_user', 'app_user.id', 'organisation_closure.closed_by')
    .select([
      'organisation_closure.closed_at',
      'organisation_closure.reason',
      'organisation_closure.inactivated_user_ids',
      'organisation_closure.inactivated_unit_ids',
      'app_user.first_name',
      'app_user.last_name',
    ])
    .where('organisation_closure.organisation_id', '=', organisationId)
    .where('organisation_closure.reopened_at', 'is', null)
    .orderBy('organisation_closure.closed_at', 'desc')
    .executeTakeFirst();
  if (!row) return undefined;
  const reopenUntil = new Date(row.closed_at.getTime() + config.rules.reopenDays * DAY);
  return {
    closedAt: row.closed_at,
    reason: row.reason,
    closedBy: row.first_name ? `${row.first_name} ${row.last_name}` : null,
    reopenUntil,
    reopenable: clock.now() <= reopenUntil,
    users: row.inactivated_user_ids.length,
    units: row.inactivated_unit_ids.length,
  };
}

/** What closing would change, for the confirmation page. */
export async function closingPreview(db: Db, organisationId: number) {
  const [users, units, requests] = await Promise.all([
    db
      .selectFrom('app_user')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organisation_id', '=', organisationId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('unit')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organisation_id', '=', organisationId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('role_request')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organisation_id', '=', organisationId)
      .where('status', 'in', ['inskickad', 'underlag_mottaget'])
      .executeTakeFirstOrThrow(),
  ]);
  return { users: Number(users.n), units: Number(units.n), requests: Number(requests.n) };
}

/**
 * Closes the organisation in one transaction, the organisation row locked so that two
 * closings (or a closing and a new fullmakt) happen one after the other. The people who
 * were active are told by e-mail, after the commit through the outbox.
 */
export async function closeOrganisation(db: Db, organisationId: number, reason: string, actor: Actor, config: Config, clock: Clock): Promise<ClosureResult> {
  return db.transaction().execute(async (trx) => {
    const organisation = await trx
      .selectFrom('organisation')
      .select(['id', 'name', 'closed_at'])
      .where('id', '=', organisationId)
      .forUpdate()
      .executeTakeFirst();
    if (!organisation) return { kind: 'refused', reason: 'notFound' } as const;
    if (organisation.closed_at) return { kind: 'refused', reason: 'alreadyClosed' } as const;
    const now = clock.now();
    const users = await trx
      .selectFrom('app_user')
      .selectAll()
      .where('organisation_id', '=', organisationId)
      .where('status', '=', 'active')
      .orderBy('id')
      .forUpdate()
      .execute();
    for (const user of users) await setUserActive(trx, user as User, false, actor, clock);
    const units = await trx
      .updateTable('unit')
      .set({ status: 'inactive' })
      .where('organisation_id', '=', organisationId)
      .where('status', '=', 'active')
      .returning('id')
      .execute();
    const requests = await trx
      .updateTable('role_request')
      .set({ status: 'avslagen', decided_at: now, decision_note: WITHDRAWN_NOTE })
      .where('organisation_id', '=', organisationId)
      .where('status', 'in', ['inskickad', 'underlag_mottaget'])
      .returning('id')
      .execute();
    if (requests.length) {
      const ids = requests.map((row) => row.id);
      // The request's history names who took the step, as decisions do.
      const staff = actor.userId
        ? await trx.selectFrom('app_user').select(['first_name', 'last_name']).where('id', '=', actor.userId).executeTakeFirst()
        : undefined;
      const actorName = staff ? `${staff.first_name} ${staff.last_name}` : null;
      await trx.updateTable('role_request_area').set({ open: false }).where('role_request_id', 'in', ids).execute();
      await trx
        .insertInto('role_request_event')
        .values(
          ids.map((id) => ({
            role_request_id: id,
            status: 'avslagen',
            at: now,
            note: WITHDRAWN_NOTE,
            actor_user_id: actor.userId ?? null,
            actor_name: actorName,
          })),
        )
        .execute();
    }
    await trx.updateTable('organisation').set({ closed_at: now, closed_reason: reason }).where('id', '=', organisationId).execute();
    await trx
      .insertInto('organisation_closure')
      .values({
        organisation_id: organisationId,
        closed_at: now,
        closed_by: actor.userId ?? null,
        reason,
        inactivated_user_ids: users.map((user) => user.id),
        inactivated_unit_ids: units.map((unit) => unit.id),
        withdrawn_request_ids: requests.map((row) => row.id),
      })
      .execute();
    await recordAudit(trx, {
      event: 'organisation.closed',
      at: now,
      actorUserId: actor.userId,
      organisationId,
      client: actor.client,
      detail: { reason, users: users.length, units: units.length, requestsWithdrawn: requests.length },
    });
    for (const user of users) await enqueueMail(trx, user.email, organisationClosedMail(user, organisation.name, config));
    return { kind: 'done' } as const;
  });
}

/**
 * Reopens a closed organisation within REOPEN_DAYS of its closing: the users and units
 * that closing inactivated become active again (users inactivated before the closing, or
 * one since given to someone else's organisation role, stay as they are). Withdrawn role
 * requests stay withdrawn: the organisation asks again if it still wants the area.
 */
export async function reopenOrganisation(db: Db, organisationId: number, actor: Actor, config: Config, clock: Clock): Promise<ClosureResult> {
  return db.transaction().execute(async (trx) => {
    const organisation = await trx
      .selectFrom('organisation')
      .select(['id', 'name', 'closed_at'])
      .where('id', '=', organisationId)
      .forUpdate()
      .executeTakeFirst();
    if (!organisation) return { kind: 'refused', reason: 'notFound' } as const;
    const closure = await trx
      .selectFrom('organisation_closure')
      .selectAll()
      .where('organisation_id', '=', organisationId)
      .where('reopened_at', 'is', null)
      .orderBy('closed_at', 'desc')
      .executeTakeFirst();
    if (!organisation.closed_at || !closure) return { kind: 'refused', reason: 'notClosed' } as const;
    const now = clock.now();
    if (now.getTime() > closure.closed_at.getTime() + config.rules.reopenDays * DAY) return { kind: 'refused', reason: 'tooLate' } as const;
    const users = closure.inactivated_user_ids.length
      ? await trx
          .selectFrom('app_user')
          .selectAll()
          .where('id', 'in', closure.inactivated_user_ids)
          .where('organisation_id', '=', organisationId)
          .where('status', '=', 'inactive')
          .orderBy('id')
          .forUpdate()
          .execute()
      : [];
    for (const user of users) await setUserActive(trx, user as User, true, actor, clock);
    if (closure.inactivated_unit_ids.length)
      await trx
        .updateTable('unit')
        .set({ status: 'active' })
        .where('id', 'in', closure.inactivated_unit_ids)
        .where('organisation_id', '=', organisationId)
        .where('merged_into_unit_id', 'is', null)
        .execute();
    await trx.updateTable('organisation').set({ closed_at: null, closed_reason: null }).where('id', '=', organisationId).execute();
    await trx
      .updateTable('organisation_closure')
      .set({ reopened_at: now, reopened_by: actor.userId ?? null })
      .where('id', '=', closure.id)
      .execute();
    await recordAudit(trx, {
      event: 'organisation.reopened',
      at: now,
      actorUserId: actor.userId,
      organisationId,
      client: actor.client,
      detail: { users: users.length, units: closure.inactivated_unit_ids.length, closedAt: closure.closed_at.toISOString() },
    });
    for (const user of users) await enqueueMail(trx, user.email, organisationReopenedMail(user, organisation.name, config));
    return { kind: 'done' } as const;
  });
}

/** The organisation as the back office's fullmakt and closing pages name it. */
export function organisationForOffice(db: Db, organisationId: number) {
  if (!Number.isSafeInteger(organisationId) || organisationId <= 0) return Promise.resolve(undefined);
  return db.selectFrom('organisation').select(['id', 'name', 'org_number', 'closed_at', 'closed_reason']).where('id', '=', organisationId).executeTakeFirst();
}
