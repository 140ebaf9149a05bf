import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { undertakingAreas, undertakingPdf } from '#server/pdf/application.ts';
import { roleRequestPdf } from '#server/pdf/role-request.ts';
import { roleRequestAreas } from '#server/organisation/role-requests.ts';

/** A role request's document by file name (ansokan.pdf, ansvarsforbindelse-<area>.pdf), or undefined. */
export async function roleRequestFile(db: Db, requestId: number, file: string, config: Config): Promise<{ body: Buffer; reference: string } | undefined> {
  const request = await db.selectFrom('role_request').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!request) return undefined;
  const organisation = await db.selectFrom('organisation').selectAll().where('id', '=', request.organisation_id).executeTakeFirstOrThrow();
  const areas = await roleRequestAreas(db, requestId);
  const org = {
    name: organisation.name,
    orgNumber: organisation.org_number,
    postalAddress: organisation.postal_address,
    postalCode: organisation.postal_code,
    city: organisation.city,
  };
  if (file === 'ansokan.pdf')
    return {
      body: await roleRequestPdf({ reference: request.reference, createdAt: request.created_at, organisation: org, areas }, config),
      reference: request.reference,
    };
  const area = /^ansvarsforbindelse-([a-z0-9_]+)\.pdf$/.exec(file)?.[1]?.toUpperCase();
  if (!area || !undertakingAreas(areas).includes(area)) return undefined;
  // Who will sign is not known: the undertaking leaves the name to be written by hand.
  const data = {
    reference: request.reference,
    org_number: organisation.org_number,
    org_name: organisation.name,
    postal_address: organisation.postal_address,
    postal_code: organisation.postal_code,
    city: organisation.city,
    phone: organisation.phone,
    email: organisation.email,
    submitted_at: request.created_at,
    enclosedWith: 'roleRequest' as const,
  };
  return { body: await undertakingPdf(data, area, config), reference: request.reference };
}
