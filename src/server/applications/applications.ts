import { randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { ApplicationData } from '#server/applications/schema.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import type { Application } from '#server/platform/db-types.ts';
import { enqueueMail, renderMail } from '#server/mail/mail.ts';
import { formatOrgNumber } from '#server/platform/format.ts';
import { hashSecret, newSecretToken, parseSecretToken, secretMatches } from '#server/platform/secret-token.ts';

export type ApplicationRow = Selectable<Application>;
export const APPLICATION_STATUSES = ['inskickad', 'underlag_mottaget', 'komplettering', 'godkand', 'avslagen', 'forfallen'] as const;
/** What the `application.status` check allows. */
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];
export const isApplicationStatus = (value: string): value is ApplicationStatus => APPLICATION_STATUSES.some((status) => status === value);
/** The answers of an unfinished application, as the form posted them (`application_draft.data`). */
export type DraftAnswers = Record<string, unknown>;
export interface Person {
  firstName: string;
  lastName: string;
  personnummer: string;
  title?: string;
  email?: string;
  phone?: string;
}

/** An unsent form's answers are kept this long (the personal-data page says so). */
export const DRAFT_LIFETIME_HOURS = 4;
const DRAFT_LIFETIME_MS = DRAFT_LIFETIME_HOURS * 60 * 60_000;
/** Download and status links stop working this many days after the decision. */
export const LINK_DAYS_AFTER_DECISION = 30;
const LINK_LIFETIME_AFTER_DECISION_MS = LINK_DAYS_AFTER_DECISION * 24 * 60 * 60_000;

/** Saves the answers so far and returns the draft's cookie value (`id.secret`). */
export async function saveDraft(db: Db, existing: string | undefined, data: unknown, clock: Clock): Promise<string> {
  const expiresAt = new Date(clock.now().getTime() + DRAFT_LIFETIME_MS);
  const found = existing ? await readDraftRow(db, existing, clock) : undefined;
  if (found) {
    await db
      .updateTable('application_draft')
      .set({ data: JSON.stringify(data), expires_at: expiresAt })
      .where('id', '=', found.id)
      .execute();
    return existing!;
  }
  const { id, token, secretHash } = newSecretToken();
  await db
    .insertInto('application_draft')
    .values({ id, secret_hash: secretHash, data: JSON.stringify(data), expires_at: expiresAt })
    .execute();
  return token;
}

async function readDraftRow(db: Db | Tx, token: string, clock: Clock) {
  const parsed = parseSecretToken(token);
  if (!parsed) return undefined;
  const row = await db.selectFrom('application_draft').selectAll().where('id', '=', parsed.id).executeTakeFirst();
  if (!row || row.expires_at <= clock.now()) return undefined;
  return secretMatches(parsed.secret, row.secret_hash) ? row : undefined;
}

export async function readDraft(db: Db, token: string | undefined, clock: Clock): Promise<DraftAnswers | undefined> {
  if (!token) return undefined;
  return (await readDraftRow(db, token, clock))?.data;
}

/** Statuses that hold an organisation number: the predicate of the partial unique index application_one_per_organisation. */
const HOLDING_STATUSES = ['inskickad', 'underlag_mottaget', 'komplettering', 'godkand'] as const;

/**
 * Whether an organisation number already has an account or an application in progress,
 * asked at the form's first "Fortsätt" so the applicant learns it before checking the
 * answers. Submission asks again (and the index decides a race).
 */
export async function orgNumberTaken(db: Db | Tx, orgNumber: string): Promise<boolean> {
  const organisation = await db.selectFrom('organisation').select('id').where('org_number', '=', orgNumber).executeTakeFirst();
  if (organisation) return true;
  const application = await db
    .selectFrom('application')
    .select('id')
    .where('org_number', '=', orgNumber)
    .where('status', 'in', [...HOLDING_STATUSES])
    .executeTakeFirst();
  return application !== undefined;
}

export type SubmitResult = { kind: 'ok'; reference: string; token: string } | { kind: 'taken' };

/**
 * Stores the application in one transaction with its areas, first status and the
 * confirmation mail to the fullmaktshavare. One account per organisation number: an
 * existing organisation refuses it, and the partial unique index refuses a second
 * application in progress even when two arrive at the same moment.
 */
export async function submitApplication(db: Db, data: ApplicationData, draftToken: string | undefined, config: Config, clock: Clock): Promise<SubmitResult> {
  const now = clock.now();
  const token = randomBytes(16).toString('base64url');
  try {
    return await db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('organisation').select('id').where('org_number', '=', data.orgNumber).executeTakeFirst();
      if (existing) return { kind: 'taken' } as const;
      const { id } = (await sql<{ id: number }>`select nextval('application_id_seq')::int as id`.execute(trx)).rows[0];
      const reference = `AK-${now.getUTCFullYear()}-${String(id).padStart(5, '0')}`;
      const signatory: Person = {
        firstName: data.signatoryFirstName,
        lastName: data.signatoryLastName,
        personnummer: data.signatoryPersonnummer,
        title: data.signatoryTitle,
      };
      const holder: Person = {
        firstName: data.holderFirstName,
        lastName: data.holderLastName,
        personnummer: data.holderPersonnummer,
        email: data.holderEmail,
        phone: data.holderPhone,
      };
      await trx
        .insertInto('application')
        .values({
          id,
          reference,
          access_hash: hashSecret(token),
          org_number: data.orgNumber,
          org_name: data.orgName,
          postal_address: data.postalAddress,
          postal_code: data.postalCode,
          city: data.city,
          phone: data.phone,
          email: data.email,
          signatory: JSON.stringify(signatory),
          holder: JSON.stringify(holder),
          status: 'inskickad',
          submitted_at: now,
        })
        .execute();
      await trx
        .insertInto('application_area')
        .values(data.areas.map((area) => ({ application_id: id, area_key: area })))
        .execute();
      await trx.insertInto('application_event').values({ application_id: id, status: 'inskickad', at: now }).execute();
      await enqueueMail(trx, data.holderEmail, confirmationMail(reference, data.orgNumber, token, config));
      const draftId = parseSecretToken(draftToken)?.id;
      if (draftId) await trx.deleteFrom('application_draft').where('id', '=', draftId).execute();
      return { kind: 'ok', reference, token } as const;
    });
  } catch (error) {
    if ((error as { constraint?: string }).constraint === 'application_one_per_organisation') return { kind: 'taken' };
    throw error;
  }
}

/**
 * Anyone may type any address into the form, so the mail sent in the authority's name
 * carries fixed text, the reference and the organisation number only: none of the
 * applicant's free text (names, addresses, a link posing as an organisation name).
 */
function confirmationMail(reference: string, orgNumber: string, token: string, config: Config) {
  return renderMail(
    {
      subject: `Vi har tagit emot er ansökan ${reference}`,
      greeting: 'Hej!',
      paragraphs: [
        `Vi har tagit emot en ansökan om användarkonto för organisationsnummer ${formatOrgNumber(orgNumber)}. Referensnumret är ${reference}.`,
        `Nästa steg: skriv ut dokumenten, låt rätt personer skriva under och skicka dem med post till ${config.authority.postalAddress}. Ansökan behandlas när vi har fått de underskrivna dokumenten. Om de inte har kommit fram inom ${config.rules.applicationPaperDays} dagar upphör ansökan att gälla.`,
        'Via länken nedan hämtar du dokumenten och ser hur det går med ansökan. Spara meddelandet. Länken är personlig.',
        `Om du inte känner till ansökan kan du bortse från meddelandet eller kontakta oss på ${config.authority.phone} eller ${config.authority.email}.`,
      ],
      action: { label: 'Se ansökan och hämta dokumenten', url: new URL(`/ansok/status/${token}`, config.publicUrl).href },
    },
    config.authority,
  );
}

/**
 * Applications whose signed paper has not arrived `paperDays` after submission lapse,
 * with a history row, and so leave the partial unique index: a stranger's application
 * holds an organisation number for a limited time only. A completion asked for gets the
 * same time, counted from the request. Safe to run in several instances at once: the
 * update takes each row once.
 */
export async function lapseApplications(db: Db, paperDays: number, clock: Clock): Promise<number> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - paperDays * 24 * 60 * 60_000);
  return db.transaction().execute(async (trx) => {
    const lapsed = await trx
      .updateTable('application')
      .set({ status: 'forfallen', decided_at: now })
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'inskickad'), eb('submitted_at', '<', cutoff)]),
          eb.and([eb('status', '=', 'komplettering'), eb('completion_requested_at', '<', cutoff)]),
        ]),
      )
      .returning('id')
      .execute();
    if (lapsed.length)
      await trx
        .insertInto('application_event')
        .values(lapsed.map(({ id }) => ({ application_id: id, status: 'forfallen', at: now })))
        .execute();
    return lapsed.length;
  });
}

/** The application a status link names, while the link still works. */
export async function findByToken(db: Db, token: string, clock: Clock): Promise<(ApplicationRow & { areas: string[] }) | undefined> {
  if (!/^[\w-]{16,64}$/.test(token)) return undefined;
  const row = await db.selectFrom('application').selectAll().where('access_hash', '=', hashSecret(token)).executeTakeFirst();
  if (!row) return undefined;
  if (row.decided_at && clock.now().getTime() - row.decided_at.getTime() > LINK_LIFETIME_AFTER_DECISION_MS) return undefined;
  const areas = (await db.selectFrom('application_area').select('area_key').where('application_id', '=', row.id).orderBy('area_key').execute()).map(
    (area) => area.area_key,
  );
  return { ...row, areas };
}

/** One application with its areas and its two people, for the back office (page and documents). */
export async function applicationForOffice(db: Db, id: number): Promise<(ApplicationRow & { areas: string[] }) | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const row = await db.selectFrom('application').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const areas = (await db.selectFrom('application_area').select('area_key').where('application_id', '=', row.id).orderBy('area_key').execute()).map(
    (area) => area.area_key,
  );
  return { ...row, areas };
}

export function applicationEvents(db: Db, applicationId: number) {
  return db
    .selectFrom('application_event')
    .select(['status', 'at', 'note', 'actor_name'])
    .where('application_id', '=', applicationId)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

/**
 * Moves an application to a new status with a history row (the back office calls this);
 * `by` names the handläggare who did it, as the history shows them.
 */
export async function setApplicationStatus(
  trx: Tx,
  applicationId: number,
  status: ApplicationStatus,
  clock: Clock,
  note?: string,
  by?: { userId: number | null; name: string | null },
): Promise<void> {
  const decided = status === 'godkand' || status === 'avslagen';
  await trx
    .updateTable('application')
    .set({ status, ...(decided ? { decided_at: clock.now() } : {}) })
    .where('id', '=', applicationId)
    .execute();
  await trx
    .insertInto('application_event')
    .values({ application_id: applicationId, status, at: clock.now(), note: note ?? null, actor_user_id: by?.userId ?? null, actor_name: by?.name ?? null })
    .execute();
}

/** "19900101-0017" from the stored "199001010017": one formatting everywhere, in platform/format.ts. */
export { formatPersonnummer } from '#server/platform/format.ts';

/**
 * What has happened to the fullmaktshavare's login details since approval, as the data
 * says it: when the username letter was printed (and so posted), and when a one-time
 * password was first issued to them. Undefined before approval or when the account is
 * not found (the status page then says the details are on their way, without dates).
 */
export async function loginDetailsProgress(
  db: Db,
  application: ApplicationRow,
): Promise<{ letterPrintedAt: Date | null; oneTimePasswordSentAt: Date | null } | undefined> {
  if (application.status !== 'godkand' || !application.organisation_id) return undefined;
  const holder = await db
    .selectFrom('app_user')
    .select('id')
    .where('organisation_id', '=', application.organisation_id)
    .where('org_role', '=', 'fullmaktshavare')
    .orderBy('id')
    .executeTakeFirst();
  if (!holder) return undefined;
  // The one-time password follows the printed letter (ONE_TIME_PASSWORD_DELAY_DAYS later); the letter row records when it went.
  const letter = await db
    .selectFrom('user_letter')
    .select(['printed_at', 'one_time_password_sent_at'])
    .where('user_id', '=', holder.id)
    .orderBy('id')
    .executeTakeFirst();
  return { letterPrintedAt: letter?.printed_at ?? null, oneTimePasswordSentAt: letter?.one_time_password_sent_at ?? null };
}
