import type { APIRoute } from 'astro';
import { appClock } from '../../../lib/server/clock.ts';
import { db } from '../../../lib/server/database.ts';
import { CORS, publicationJson } from '../../../lib/server/register-api.ts';
import { latestCacheHeaders, listPublications } from '../../../lib/server/register.ts';

export const prerender = false;

export const GET: APIRoute = async () => {
  const publications = await listPublications(db());
  const body = { publiceringar: publications.map((publication) => ({ ...publicationJson(publication), organisationer: publication.organisations, enheter: publication.units })) };
  return Response.json(body, { headers: { ...CORS, ...latestCacheHeaders(publications[0], appClock().now()) } });
};
