import type { APIRoute } from 'astro';
import { appClock } from '#server/platform/clock.ts';
import { db } from '#server/platform/database.ts';
import { CORS, publicationJson } from '#server/register/api.ts';
import { latestCacheHeaders, listPublications } from '#server/register/publication.ts';

export const prerender = false;

export const GET: APIRoute = async () => {
  const publications = await listPublications(db());
  const body = { publiceringar: publications.map((publication) => ({ ...publicationJson(publication), organisationer: publication.organisations, enheter: publication.units })) };
  return Response.json(body, { headers: { ...CORS, ...latestCacheHeaders(publications[0], appClock().now()) } });
};
