import type { APIRoute } from 'astro';
import { appClock } from '#server/platform/clock.ts';
import { db } from '#server/platform/database.ts';
import { formatOrgNumber } from '#server/platform/format.ts';
import { publicationJson } from '#server/register/api.ts';
import { findPublication, latestCacheHeaders, registerUnits } from '#server/register/publication.ts';

export const prerender = false;

/** The whole latest publication's units as JSON, in the API's field names. */
export const GET: APIRoute = async () => {
  const publication = await findPublication(db());
  if (!publication) return Response.json({ fel: 'Registret har inte publicerats ännu.' }, { status: 404 });
  const { rows } = await registerUnits(db(), publication.id, { page: 1, perPage: 1_000_000 });
  const body = {
    publicering: publicationJson(publication),
    enheter: rows.map((row) => ({ id: row.unit_id, namn: row.name, huvudorganisation: row.is_main, utdelningsadress: row.postal_address, postnummer: row.postal_code, ort: row.city, organisation: { organisationsnummer: formatOrgNumber(row.org_number), namn: row.organisation_name } })),
  };
  const response = Response.json(body, {
    headers: { 'Content-Disposition': `attachment; filename="register-${publication.published_on}.json"`, ...latestCacheHeaders(publication, appClock().now()), 'Last-Modified': publication.published_at.toUTCString() },
  });
  return response;
};
