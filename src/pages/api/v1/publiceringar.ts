import type { APIRoute } from 'astro';
import { CORS, publicationJson } from '#server/register/api.ts';
import { latestCacheHeaders, listPublications } from '#server/register/publication.ts';

export const prerender = false;

export const GET: APIRoute = async ({ locals }) => {
  const publications = await listPublications(locals.app.db);
  const body = {
    publiceringar: publications.map((publication) => ({
      ...publicationJson(publication),
      organisationer: publication.organisations,
      enheter: publication.units,
    })),
  };
  return Response.json(body, { headers: { ...CORS, ...latestCacheHeaders(publications[0], locals.app.clock.now()) } });
};
