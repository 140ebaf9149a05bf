import { type Actor, createAccount } from '#server/identity/accounts.ts';
import { ensureLetter } from '#server/identity/letters.ts';
import type { User } from '#server/identity/users.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { fullmaktshavareLeftMail, fullmaktshavareNewMail } from '#server/mail/templates.ts';
import { cell, setRoles } from '#server/organisation/admin.ts';
import { findArea } from '#server/organisation/catalogue.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';

/**
 * A new fullmakt, received on paper and registered by a handläggare: the fullmaktshavare
 * role moves from the current holder to another user of the organisation, or to a person
 * created for it, in one transaction. The organisation row is locked FOR UPDATE and the
 * holder the handläggare saw on the form must still be the holder: of two registrations
 * at once, the second finds the role already moved and is refused, so there is one change.
 */

export type NewHolder = { kind: 'existing'; userId: number } | { kind: 'new'; firstName: string; lastName: string; email: string };

export type FullmaktRefusal = 'notFound' | 'closed' | 'holderChanged' | 'sameHolder' | 'unknownUser';
export type FullmaktResult = { kind: 'done'; holderId: number; created: boolean } | { kind: 'refused'; reason: FullmaktRefusal };

export interface FullmaktInput {
  organisationId: number;
  /** The date the signed fullmakt arrived (YYYY-MM-DD). */
  receivedOn: string;
  /** The holder the form showed, or null when it showed none: what the registration replaces. */
  expectedHolderId: number | null;
  holder: NewHolder;
}

/** The organisation's active fullmaktshavare and the users who could become it, for the form. */
export async function fullmaktCandidates(db: Db, organisationId: number) {
  const users = await db
    .selectFrom('app_user')
    .select(['id', 'first_name', 'last_name', 'username', 'email', 'org_role'])
    .where('organisation_id', '=', organisationId)
    .where('kind', '=', 'member')
    .where('status', '=', 'active')
    .orderBy('last_name')
    .orderBy('first_name')
    .execute();
  const holder = users.find((user) => user.org_role === 'fullmaktshavare');
  return { holder, others: users.filter((user) => user !== holder) };
}

export async function registerFullmakt(db: Db, input: FullmaktInput, actor: Actor, config: Config, clock: Clock): Promise<FullmaktResult> {
  return db.transaction().execute(async (trx) => {
    const organisation = await trx
      .selectFrom('organisation')
      .select(['id', 'name', 'closed_at'])
      .where('id', '=', input.organisationId)
      .forUpdate()
      .executeTakeFirst();
    if (!organisation) return refused('notFound');
    if (organisation.closed_at) return refused('closed');
    const current = await trx
      .selectFrom('app_user')
      .selectAll()
      .where('organisation_id', '=', organisation.id)
      .where('org_role', '=', 'fullmaktshavare')
      .where('status', '=', 'active')
      .executeTakeFirst();
    if ((current?.id ?? null) !== input.expectedHolderId) return refused('holderChanged');
    const now = clock.now();

    let next: User;
    let created = false;
    if (input.holder.kind === 'existing') {
      const found = await trx
        .selectFrom('app_user')
        .selectAll()
        .where('id', '=', input.holder.userId)
        .where('organisation_id', '=', organisation.id)
        .where('kind', '=', 'member')
        .where('status', '=', 'active')
        .forUpdate()
        .executeTakeFirst();
      if (!found) return refused('unknownUser');
      if (found.id === current?.id) return refused('sameHolder');
      next = found as User;
    }

    // The old holder first: the unique index allows one active fullmaktshavare at a time.
    if (current) {
      await trx.updateTable('app_user').set({ org_role: null }).where('id', '=', current.id).execute();
      await recordAudit(trx, {
        event: 'orgRole.changed',
        at: now,
        actorUserId: actor.userId,
        subjectUserId: current.id,
        organisationId: organisation.id,
        client: actor.client,
        detail: { before: 'fullmaktshavare', after: '', fullmakt: input.receivedOn },
      });
    }

    if (input.holder.kind === 'existing') {
      next = next!;
      await trx.updateTable('app_user').set({ org_role: 'fullmaktshavare' }).where('id', '=', next.id).execute();
      await recordAudit(trx, {
        event: 'orgRole.changed',
        at: now,
        actorUserId: actor.userId,
        subjectUserId: next.id,
        organisationId: organisation.id,
        client: actor.client,
        detail: { before: next.org_role ?? '', after: 'fullmaktshavare', fullmakt: input.receivedOn },
      });
      // One who never signed in (no password yet) and had no letter gets theirs now.
      await ensureLetter(trx, next.id, clock);
    } else {
      next = await createAccount(
        trx,
        {
          kind: 'member',
          organisationId: organisation.id,
          firstName: input.holder.firstName,
          lastName: input.holder.lastName,
          email: input.holder.email,
          orgRole: 'fullmaktshavare',
        },
        actor,
        config,
        clock,
      );
      created = true;
      // As at the organisation's approval: the approved areas' roles in the huvudorganisation.
      const main = await trx.selectFrom('unit').select('id').where('organisation_id', '=', organisation.id).where('is_main', '=', true).executeTakeFirst();
      const areas = await trx.selectFrom('organisation_area').select('area_key').where('organisation_id', '=', organisation.id).execute();
      if (main && areas.length) {
        const roles = new Set(areas.flatMap((area) => findArea(area.area_key)?.roles.map((role) => cell(main.id, role.key)) ?? []));
        await setRoles(trx, next, roles, roles, actor, clock);
      }
    }

    await recordAudit(trx, {
      event: 'fullmakt.registered',
      at: now,
      actorUserId: actor.userId,
      subjectUserId: next.id,
      organisationId: organisation.id,
      client: actor.client,
      detail: { receivedOn: input.receivedOn, previousHolder: current?.id ?? null, newHolder: next.id, created },
    });
    await enqueueMail(trx, next.email, fullmaktshavareNewMail(next, organisation.name, created, config));
    if (current) await enqueueMail(trx, current.email, fullmaktshavareLeftMail(current, organisation.name, config));
    return { kind: 'done', holderId: next.id, created } as const;
  });
}

const refused = (reason: FullmaktRefusal) => ({ kind: 'refused', reason }) as const;

/** The organisation as the prefilled "Ny fullmakt" names it. */
export async function organisationForFullmakt(db: Db, organisationId: number) {
  const row = await db
    .selectFrom('organisation')
    .select(['name', 'org_number', 'postal_address', 'postal_code', 'city'])
    .where('id', '=', organisationId)
    .executeTakeFirstOrThrow();
  return { name: row.name, orgNumber: row.org_number, postalAddress: row.postal_address, postalCode: row.postal_code, city: row.city };
}
