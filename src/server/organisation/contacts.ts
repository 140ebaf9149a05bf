import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import { recordAudit } from '#server/platform/audit.ts';

/** One of the authority's contact persons, as Kontakta oss shows them. */
export interface Contact {
  id: number;
  name: string;
  phone: string;
  email: string;
  /** Responsible for the organisation the list was made for. */
  responsible: boolean;
}

export interface StaffActor {
  userId: number;
  client: string;
}

/**
 * The contact persons shown to an organisation's users: the ones responsible for it
 * first, then the others by name.
 */
export async function contactsFor(db: Db, organisationId: number | null): Promise<Contact[]> {
  const rows = await db
    .selectFrom('authority_contact')
    .leftJoin('organisation_contact', (join) =>
      join.onRef('organisation_contact.contact_id', '=', 'authority_contact.id').on('organisation_contact.organisation_id', '=', organisationId ?? -1),
    )
    .select([
      'authority_contact.id',
      'authority_contact.name',
      'authority_contact.phone',
      'authority_contact.email',
      'organisation_contact.contact_id as responsibleId',
    ])
    .where('authority_contact.shown', '=', true)
    .execute();
  return rows
    .map((row) => ({ id: row.id, name: row.name, phone: row.phone, email: row.email, responsible: row.responsibleId !== null }))
    .sort((a, b) => Number(b.responsible) - Number(a.responsible) || a.name.localeCompare(b.name, 'sv'));
}

/** Every contact person, for the back office. */
export function listContacts(db: Db) {
  return db.selectFrom('authority_contact').selectAll().orderBy('name').execute();
}

/** Staff users who are not yet contact persons: those the back office can add. */
export function staffNotContacts(db: Db) {
  return db
    .selectFrom('app_user')
    .select(['id', 'first_name', 'last_name', 'email'])
    .where('kind', '=', 'staff')
    .where('status', '=', 'active')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('authority_contact').select('id').whereRef('authority_contact.user_id', '=', 'app_user.id'))))
    .orderBy('last_name')
    .orderBy('first_name')
    .execute();
}

/** Makes a staff user a contact person with the phone number callers should use. */
export async function addContact(db: Db, staffUserId: number, phone: string, actor: StaffActor, clock: Clock): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const staff = await trx
      .selectFrom('app_user')
      .select(['id', 'first_name', 'last_name', 'email'])
      .where('id', '=', staffUserId)
      .where('kind', '=', 'staff')
      .executeTakeFirst();
    if (!staff) return false;
    const added = await trx
      .insertInto('authority_contact')
      .values({ user_id: staff.id, name: `${staff.first_name} ${staff.last_name}`, phone, email: staff.email })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!added) return false;
    await recordAudit(trx, {
      event: 'contact.added',
      at: clock.now(),
      actorUserId: actor.userId,
      subjectUserId: staff.id,
      client: actor.client,
      detail: { phone },
    });
    return true;
  });
}

/** The organisation a handläggare looks up by its number, with the contact persons responsible for it. */
export async function organisationContacts(db: Db, orgNumber: string) {
  const organisation = await db
    .selectFrom('organisation')
    .select(['id', 'name', 'org_number'])
    .where('org_number', '=', orgNumber.replace(/\D/g, ''))
    .executeTakeFirst();
  if (!organisation) return undefined;
  const responsible = await db.selectFrom('organisation_contact').select('contact_id').where('organisation_id', '=', organisation.id).execute();
  return { organisation, responsible: new Set(responsible.map((row) => row.contact_id)) };
}

/** Sets which contact persons are responsible for an organisation; audited with before and after. */
export async function setResponsible(db: Db, organisationId: number, contactIds: number[], actor: StaffActor, clock: Clock): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const organisation = await trx.selectFrom('organisation').select(['id', 'org_number']).where('id', '=', organisationId).forUpdate().executeTakeFirst();
    if (!organisation) return false;
    const known = contactIds.length ? await trx.selectFrom('authority_contact').select(['id', 'name']).where('id', 'in', contactIds).execute() : [];
    const before = await trx
      .selectFrom('organisation_contact')
      .innerJoin('authority_contact', 'authority_contact.id', 'organisation_contact.contact_id')
      .select('authority_contact.name')
      .where('organisation_id', '=', organisationId)
      .orderBy('authority_contact.name')
      .execute();
    await trx.deleteFrom('organisation_contact').where('organisation_id', '=', organisationId).execute();
    if (known.length)
      await trx
        .insertInto('organisation_contact')
        .values(known.map((contact) => ({ organisation_id: organisationId, contact_id: contact.id })))
        .execute();
    // The authority's own record: not in the organisation's event log (no organisation_id), which shows what its people do.
    await recordAudit(trx, {
      event: 'contact.responsible',
      at: clock.now(),
      actorUserId: actor.userId,
      client: actor.client,
      detail: {
        organisation: organisation.org_number,
        before: before.map((row) => row.name).join(', '),
        after: known
          .map((row) => row.name)
          .sort((a, b) => a.localeCompare(b, 'sv'))
          .join(', '),
      },
    });
    return true;
  });
}
