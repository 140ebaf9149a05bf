import { allRoles, serviceForClient, roleService, type Catalogue } from '#server/organisation/catalogue.ts';
import type { Db } from '#server/platform/database.ts';

/**
 * What the portal tells an e-service about the person who signed in: who they are, for
 * which organisation and unit, and their roles for that service there. Read again at every
 * token and refresh, so a removed role or an inactivated user loses the service at the
 * next refresh.
 */
export interface ServiceClaims {
  sub: string;
  name: string;
  given_name: string;
  family_name: string;
  email: string;
  organisation: { organisationsnummer: string; name: string } | null;
  unit: { enhetskod: string; name: string } | null;
  roles: Array<{ key: string; name: string }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The person behind a `sub`, when their account is active and their organisation open. */
export async function findSubject(db: Db, sub: string) {
  if (!UUID.test(sub)) return undefined;
  const row = await db
    .selectFrom('app_user')
    .leftJoin('organisation', 'organisation.id', 'app_user.organisation_id')
    .select([
      'app_user.id',
      'app_user.first_name',
      'app_user.last_name',
      'app_user.email',
      'app_user.status',
      'organisation.org_number',
      'organisation.name as organisation_name',
      'organisation.closed_at',
    ])
    .where('app_user.oidc_subject', '=', sub)
    .executeTakeFirst();
  if (row?.status !== 'active' || row.closed_at) return undefined;
  return row;
}

/**
 * The claims for one grant: the unit the user chose for it and the roles they hold there
 * for the grant's service now. Undefined when the grant is unknown or ended, or when no
 * role for the service is left in that unit.
 */
export async function claimsForGrant(db: Db, catalogue: Catalogue, sub: string, grantId: string): Promise<ServiceClaims | undefined> {
  const person = await findSubject(db, sub);
  if (!person) return undefined;
  const signIn = await db
    .selectFrom('oidc_sign_in')
    .innerJoin('unit', 'unit.id', 'oidc_sign_in.unit_id')
    .select(['oidc_sign_in.client_id', 'oidc_sign_in.user_id', 'oidc_sign_in.logged_out_at', 'unit.id as unit_id', 'unit.name as unit_name', 'unit.unit_code'])
    .where('oidc_sign_in.grant_id', '=', grantId)
    .executeTakeFirst();
  if (!signIn || signIn.logged_out_at || signIn.user_id !== person.id) return undefined;
  const service = serviceForClient(signIn.client_id, catalogue);
  if (!service) return undefined;
  const serviceRoles = new Map(
    allRoles(catalogue)
      .filter((role) => role.service === roleService(service))
      .map((role) => [role.key, role]),
  );
  const held = serviceRoles.size
    ? await db
        .selectFrom('user_unit_role')
        .select('role_key')
        .where('user_id', '=', person.id)
        .where('unit_id', '=', signIn.unit_id)
        .where('role_key', 'in', [...serviceRoles.keys()])
        .orderBy('role_key')
        .execute()
    : [];
  if (!held.length) return undefined;
  return {
    sub,
    name: `${person.first_name} ${person.last_name}`,
    given_name: person.first_name,
    family_name: person.last_name,
    email: person.email,
    organisation: person.org_number ? { organisationsnummer: person.org_number, name: person.organisation_name ?? '' } : null,
    unit: { enhetskod: signIn.unit_code, name: signIn.unit_name },
    roles: held.map((row) => ({ key: row.role_key, name: serviceRoles.get(row.role_key)!.name })),
  };
}
