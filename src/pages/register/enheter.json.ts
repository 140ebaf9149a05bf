import type { APIRoute } from 'astro';
import { publicationJson } from '#server/register/api.ts';
import { findPublication, latestCacheHeaders, registerUnits, unitJson } from '#server/register/publication.ts';

export const prerender = false;

/** The whole latest publication's units as JSON, in the API's field names. */
export const GET: APIRoute = async ({ locals }) => {
  const publication = await findPublication(locals.app.db);
  if (!publication) return Response.json({ fel: 'Registret har inte publicerats ännu.' }, { status: 404 });
  const { rows } = await registerUnits(locals.app.db, publication.id, { page: 1, perPage: 1_000_000 });
  const body = {
    publicering: publicationJson(publication),
    enheter: rows.map(unitJson),
  };
  const response = Response.json(body, {
    headers: {
      'Content-Disposition': `attachment; filename="register-${publication.published_on}.json"`,
      ...latestCacheHeaders(publication, locals.app.clock.now()),
      'Last-Modified': publication.published_at.toUTCString(),
    },
  });
  return response;
};
