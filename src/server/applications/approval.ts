import { sql } from 'kysely';
import { createAccount, type Actor } from '#server/identity/accounts.ts';
import { isApplicationStatus, setApplicationStatus, type ApplicationRow } from '#server/applications/applications.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { catalogue } from '#server/organisation/catalogue.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { approvalMail, completionRequestMail, rejectionMail } from '#server/mail/templates.ts';
import { cell, setRoles } from '#server/organisation/admin.ts';
import { containsPattern } from '#server/platform/like.ts';
import { fetchPage } from '#server/platform/paging.ts';

/**
 * The back office closes the paper trail: registers the signed paper, asks for a
 * completion (komplettering) when the paper lacks something, then approves (creating the
 * organisation, its huvudorganisation, its areas and the fullmaktshavare's account, all in
 * one transaction) or rejects with a reason. The application row is locked first, so
 * approving twice at once creates one organisation. Every step's history row names the
 * handläggare who took it.
 */
export type Decision =
  | { kind: 'ok'; organisationId?: number }
  | { kind: 'refused'; reason: 'notFound' | 'wrongStatus' | 'paperMissing' | 'organisationExists' };

/** The handläggare as the history names them: their id and their name as it is now. */
export async function actorOf(trx: Tx, actor: Actor): Promise<{ userId: number | null; name: string | null }> {
  if (!actor.userId) return { userId: null, name: null };
  const user = await trx.selectFrom('app_user').select(['first_name', 'last_name']).where('id', '=', actor.userId).executeTakeFirst();
  return { userId: actor.userId, name: user ? `${user.first_name} ${user.last_name}` : null };
}

/**
 * The signed paper arrived: the first paper of a sent application, or the completion of
 * one waiting for it. Either way the application is back for review.
 */
export async function registerPaper(db: Db, applicationId: number, receivedOn: string, actor: Actor, clock: Clock): Promise<Decision> {
  return db.transaction().execute(async (trx) => {
    const application = await trx.selectFrom('application').selectAll().where('id', '=', applicationId).forUpdate().executeTakeFirst();
    if (!application) return { kind: 'refused', reason: 'notFound' } as const;
    if (application.status !== 'inskickad' && application.status !== 'komplettering') return { kind: 'refused', reason: 'wrongStatus' } as const;
    const completion = application.status === 'komplettering';
    await trx.updateTable('application').set({ paper_received_on: receivedOn }).where('id', '=', applicationId).execute();
    await setApplicationStatus(
      trx,
      applicationId,
      'underlag_mottaget',
      clock,
      completion ? `Kompletteringen mottagen ${receivedOn}` : `Underlaget mottaget ${receivedOn}`,
      await actorOf(trx, actor),
    );
    await recordAudit(trx, {
      event: completion ? 'application.completionReceived' : 'application.paperReceived',
      at: clock.now(),
      actorUserId: actor.userId,
      client: actor.client,
      detail: { reference: application.reference, receivedOn },
    });
    return { kind: 'ok' } as const;
  });
}

/**
 * Komplettering: the paper arrived but lacks something. The handläggare names what is
 * missing; the applicant is e-mailed and sees it on the status page. The application
 * waits, and lapses when the completion has not arrived `applicationPaperDays` after this
 * request (the same time the first paper had).
 */
export async function requestCompletion(db: Db, applicationId: number, missing: string, actor: Actor, config: Config, clock: Clock): Promise<Decision> {
  return db.transaction().execute(async (trx) => {
    const application = await trx.selectFrom('application').selectAll().where('id', '=', applicationId).forUpdate().executeTakeFirst();
    if (!application) return { kind: 'refused', reason: 'notFound' } as const;
    if (application.status === 'inskickad') return { kind: 'refused', reason: 'paperMissing' } as const;
    if (application.status !== 'underlag_mottaget') return { kind: 'refused', reason: 'wrongStatus' } as const;
    const now = clock.now();
    await trx.updateTable('application').set({ completion_requested_at: now }).where('id', '=', applicationId).execute();
    await setApplicationStatus(trx, applicationId, 'komplettering', clock, missing, await actorOf(trx, actor));
    const deadline = new Date(now.getTime() + config.rules.applicationPaperDays * 24 * 60 * 60_000);
    for (const to of applicantAddresses(application))
      await enqueueMail(trx, to, completionRequestMail({ reference: application.reference, orgName: application.org_name, missing, deadline }, config));
    await recordAudit(trx, {
      event: 'application.completionRequested',
      at: now,
      actorUserId: actor.userId,
      client: actor.client,
      detail: { reference: application.reference },
    });
    return { kind: 'ok' } as const;
  });
}

/** Where mail about an application goes: the fullmaktshavare (who has the status link) and the organisation's own address. */
function applicantAddresses(application: ApplicationRow): string[] {
  const addresses = [application.holder.email, application.email].filter((address): address is string => !!address);
  return addresses.filter((address, index) => addresses.findIndex((other) => other.toLowerCase() === address.toLowerCase()) === index);
}

export async function approveApplication(db: Db, applicationId: number, actor: Actor, config: Config, clock: Clock): Promise<Decision> {
  return db.transaction().execute(async (trx) => {
    const application = await trx.selectFrom('application').selectAll().where('id', '=', applicationId).forUpdate().executeTakeFirst();
    if (!application) return { kind: 'refused', reason: 'notFound' } as const;
    if (application.status === 'inskickad') return { kind: 'refused', reason: 'paperMissing' } as const;
    if (application.status !== 'underlag_mottaget') return { kind: 'refused', reason: 'wrongStatus' } as const;
    const taken = await trx.selectFrom('organisation').select('id').where('org_number', '=', application.org_number).executeTakeFirst();
    if (taken) return { kind: 'refused', reason: 'organisationExists' } as const;

    const now = clock.now();
    const organisation = await trx
      .insertInto('organisation')
      .values({
        org_number: application.org_number,
        name: application.org_name,
        postal_address: application.postal_address,
        postal_code: application.postal_code,
        city: application.city,
        phone: application.phone,
        email: application.email,
        created_at: now,
        // The handläggare has just checked these details against the signed paper.
        details_confirmed_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const main = await trx
      .insertInto('unit')
      .values({
        organisation_id: organisation.id,
        name: application.org_name,
        is_main: true,
        postal_address: application.postal_address,
        postal_code: application.postal_code,
        city: application.city,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const areas = (await trx.selectFrom('application_area').select('area_key').where('application_id', '=', applicationId).execute()).map(
      (row) => row.area_key,
    );
    await trx
      .insertInto('organisation_area')
      .values(areas.map((area) => ({ organisation_id: organisation.id, area_key: area, approved_at: now })))
      .execute();

    const holder = application.holder;
    const user = await createAccount(
      trx,
      {
        kind: 'member',
        organisationId: organisation.id,
        firstName: holder.firstName,
        lastName: holder.lastName,
        email: holder.email!,
        phone: holder.phone,
        orgRole: 'fullmaktshavare',
      },
      actor,
      config,
      clock,
    );
    // The fullmaktshavare starts with every service role of the approved areas in the huvudorganisation.
    const roles = new Set(
      catalogue()
        .areas.filter((area) => areas.includes(area.key))
        .flatMap((area) => area.roles.map((role) => cell(main.id, role.key))),
    );
    await setRoles(trx, user, roles, roles, actor, clock);
    await trx.updateTable('application').set({ organisation_id: organisation.id }).where('id', '=', applicationId).execute();
    await setApplicationStatus(trx, applicationId, 'godkand', clock, undefined, await actorOf(trx, actor));
    await enqueueMail(trx, holder.email!, decisionMail(application, true, undefined, config));
    await recordAudit(trx, {
      event: 'application.approved',
      at: now,
      actorUserId: actor.userId,
      organisationId: organisation.id,
      subjectUserId: user.id,
      client: actor.client,
      detail: { reference: application.reference },
    });
    return { kind: 'ok', organisationId: organisation.id } as const;
  });
}

/** An application still in the back office's hands can be rejected, paper or not. */
const REJECTABLE: string[] = ['inskickad', 'underlag_mottaget', 'komplettering'];

export async function rejectApplication(db: Db, applicationId: number, reason: string, actor: Actor, config: Config, clock: Clock): Promise<Decision> {
  return db.transaction().execute(async (trx) => {
    const application = await trx.selectFrom('application').selectAll().where('id', '=', applicationId).forUpdate().executeTakeFirst();
    if (!application) return { kind: 'refused', reason: 'notFound' } as const;
    if (!REJECTABLE.includes(application.status)) return { kind: 'refused', reason: 'wrongStatus' } as const;
    await setApplicationStatus(trx, applicationId, 'avslagen', clock, reason, await actorOf(trx, actor));
    await enqueueMail(trx, application.holder.email!, decisionMail(application, false, reason, config));
    await recordAudit(trx, {
      event: 'application.rejected',
      at: clock.now(),
      actorUserId: actor.userId,
      client: actor.client,
      detail: { reference: application.reference },
    });
    return { kind: 'ok' } as const;
  });
}

function decisionMail(application: ApplicationRow, approved: boolean, reason: string | undefined, config: Config) {
  return approved
    ? approvalMail({ reference: application.reference, orgName: application.org_name, firstName: application.holder.firstName }, config)
    : rejectionMail({ reference: application.reference, orgName: application.org_name, firstName: application.holder.firstName, reason: reason ?? '' }, config);
}

export const APPLICATIONS_PAGE_SIZE = 25;

/** Applications for the back office, filtered by status and searched by reference, number or name. */
export async function listApplications(db: Db, filter: { status?: string; query?: string; page: number }) {
  let base = db.selectFrom('application');
  // The status comes from the query string: an unknown one filters nothing, as no status at all.
  if (filter.status && isApplicationStatus(filter.status)) base = base.where('status', '=', filter.status);
  const query = filter.query?.trim().toLowerCase();
  if (query) {
    const needle = containsPattern(query);
    base = base.where((eb) =>
      eb.or([eb(sql`lower(reference)`, 'like', needle), eb('org_number', 'like', needle.replace(/-/g, '')), eb(sql`lower(org_name)`, 'like', needle)]),
    );
  }
  return fetchPage(
    base,
    (rows) => rows.select(['id', 'reference', 'org_number', 'org_name', 'status', 'submitted_at']).orderBy('submitted_at', 'desc').orderBy('id', 'desc'),
    filter.page,
    APPLICATIONS_PAGE_SIZE,
  );
}
