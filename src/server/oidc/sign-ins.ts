import { sql } from 'kysely';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { serviceForClient, type Catalogue, type Service } from '#server/organisation/catalogue.ts';
import { unitsForService } from '#server/organisation/services.ts';
import { hasSecondFactor, type ValidSession } from '#server/identity/session.ts';
import { revokeGrants } from '#server/oidc/adapter.ts';
import { ACR, type OidcService } from '#server/oidc/provider.ts';

/**
 * A sign-in to an e-service, as the portal decides it: the e-service must be one the
 * catalogue names, the user must hold a role for it, and the user picks the unit when
 * the roles are in several. Each sign-in is a grant of its own, remembered with its
 * unit and the portal session it came from, so that logging out of the portal logs out
 * of the e-service too.
 */
export type SignInChoice =
  | { kind: 'unknownService' }
  | { kind: 'noRole'; service: Service; administrators: Array<{ name: string; email: string }> }
  | { kind: 'units'; service: Service; units: Awaited<ReturnType<typeof unitsForService>> };

export async function signInChoice(
  db: Db,
  catalogue: Catalogue,
  user: { id: number; organisation_id: number | null },
  clientId: string,
): Promise<SignInChoice> {
  const service = serviceForClient(clientId, catalogue);
  if (!service) return { kind: 'unknownService' };
  const units = await unitsForService(db, user.id, service, catalogue);
  if (units.length) return { kind: 'units', service, units };
  return { kind: 'noRole', service, administrators: user.organisation_id ? await administratorsOf(db, user.organisation_id) : [] };
}

/** Whom a user without a role asks: their organisation's administrators. */
async function administratorsOf(db: Db, organisationId: number): Promise<Array<{ name: string; email: string }>> {
  const rows = await db
    .selectFrom('app_user')
    .select(['first_name', 'last_name', 'email'])
    .where('organisation_id', '=', organisationId)
    .where('status', '=', 'active')
    .where('org_role', 'in', ['fullmaktshavare', 'admin_org'])
    .orderBy('org_role', 'desc')
    .orderBy('last_name')
    .limit(10)
    .execute();
  return rows.map((row) => ({ name: `${row.first_name} ${row.last_name}`, email: row.email }));
}

export interface SignInRequest {
  oidc: OidcService;
  request: Request;
  uid: string;
  user: { id: number; organisation_id: number | null; oidc_subject: string };
  session: ValidSession;
  unitId: number;
  client: string;
}

export type SignInOutcome = { kind: 'continue'; location: string } | { kind: 'gone' } | { kind: 'noRole' } | { kind: 'unknownUnit' };

/**
 * Gives the e-service a grant for the chosen unit and answers the provider's interaction.
 * The unit is checked again here: a form may name any unit.
 */
export async function completeSignIn(db: Db, catalogue: Catalogue, clock: Clock, input: SignInRequest): Promise<SignInOutcome> {
  const interaction = await input.oidc.interaction(input.request, input.uid);
  if (!interaction) return { kind: 'gone' };
  const choice = await signInChoice(db, catalogue, input.user, interaction.clientId);
  if (choice.kind !== 'units') return { kind: 'noRole' };
  const unit = choice.units.find((candidate) => candidate.id === input.unitId);
  if (!unit) return { kind: 'unknownUnit' };

  const accountId = input.user.oidc_subject;
  const grantId = await input.oidc.newGrant(accountId, interaction.clientId, interaction.scopes);
  const now = clock.now();
  await db
    .insertInto('oidc_sign_in')
    .values({
      grant_id: grantId,
      client_id: interaction.clientId,
      user_id: input.user.id,
      unit_id: unit.id,
      portal_session_id: input.session.id,
      amr: input.session.amr,
      auth_time: input.session.createdAt,
      created_at: now,
    })
    .execute();
  await recordAudit(db, {
    event: 'oidc.sign_in',
    at: now,
    actorUserId: input.user.id,
    subjectUserId: input.user.id,
    // The user's own security event (the security page), not a change the organisation's log lists.
    organisationId: null,
    client: input.client,
    detail: { service: choice.service.name, unit: unit.name, unitCode: unit.code },
  });
  const location = await input.oidc.finish(input.request, {
    login: {
      accountId,
      ts: Math.floor(input.session.createdAt.getTime() / 1000),
      amr: input.session.amr,
      acr: hasSecondFactor(input.session) ? ACR.multiFactor : ACR.password,
      remember: false,
    },
    consent: { grantId },
  });
  return { kind: 'continue', location };
}

/** The user said no, or has no role: the e-service gets `access_denied` and no code. */
export async function refuseSignIn(oidc: OidcService, request: Request, uid: string, reason: 'noRole' | 'cancelled'): Promise<string | undefined> {
  if (!(await oidc.interaction(request, uid))) return undefined;
  return oidc.finish(request, {
    error: 'access_denied',
    error_description: reason === 'noRole' ? 'the user holds no role for this service' : 'the user cancelled the sign-in',
  });
}

/**
 * Back-channel logout for every sign-in whose portal session has ended — logged out, ended
 * on the security page, idle or past its absolute limit, or removed with the user's other
 * sessions — and its grant revoked. Each instance runs this; a row is claimed by one.
 */
export async function endSignInsOfEndedSessions(db: Db, oidc: OidcService, config: Config, clock: Clock): Promise<number> {
  const now = clock.now();
  const idleCutoff = new Date(now.getTime() - config.rules.sessionIdleMinutes * 60_000);
  const absoluteCutoff = new Date(now.getTime() - config.rules.sessionAbsoluteHours * 3_600_000);
  const ended = await db
    .updateTable('oidc_sign_in')
    .set({ logged_out_at: now })
    .where(
      'grant_id',
      'in',
      db
        .selectFrom('oidc_sign_in as s')
        .leftJoin('user_session as u', 'u.id', 's.portal_session_id')
        .select('s.grant_id')
        .where('s.logged_out_at', 'is', null)
        .where((eb) => eb.or([eb('u.id', 'is', null), eb('u.last_used_at', '<=', idleCutoff), eb('u.created_at', '<=', absoluteCutoff)]))
        .limit(200)
        .forUpdate('s')
        .skipLocked(),
    )
    .returning(['grant_id', 'client_id', 'user_id', 'sid', 'portal_session_id'])
    .execute();
  if (!ended.length) return 0;
  await revokeGrants(
    db,
    ended.map((row) => row.grant_id),
  );
  // A session past its limit is gone for the portal too, as the next request would find.
  await db
    .deleteFrom('user_session')
    .where('id', 'in', [...new Set(ended.map((row) => row.portal_session_id))])
    .where((eb) => eb.or([eb('last_used_at', '<=', idleCutoff), eb('created_at', '<=', absoluteCutoff)]))
    .execute();
  const subjects = new Map(
    (
      await db
        .selectFrom('app_user')
        .select(['id', sql<string>`oidc_subject::text`.as('sub')])
        .where('id', 'in', [...new Set(ended.map((row) => row.user_id))])
        .execute()
    ).map((row) => [row.id, row.sub]),
  );
  await Promise.all(ended.filter((row) => row.sid).map((row) => oidc.backchannelLogout(row.client_id, subjects.get(row.user_id)!, row.sid!)));
  return ended.length;
}

/** The user's sign-ins to e-services in one portal session, for the security page. */
export async function signInsOfSession(db: Db, sessionId: string): Promise<Array<{ clientId: string; at: Date }>> {
  const rows = await db
    .selectFrom('oidc_sign_in')
    .select(['client_id', 'created_at'])
    .where('portal_session_id', '=', sessionId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => ({ clientId: row.client_id, at: row.created_at }));
}
