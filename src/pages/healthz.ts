import type { APIRoute } from 'astro';
import { databaseAnswers } from '#server/platform/database.ts';

export const prerender = false;

/** Liveness and database reachability for load balancers and monitoring. */
export const GET: APIRoute = async ({ locals }) => {
  const database = await databaseAnswers(locals.app.db);
  return Response.json(
    { status: database ? 'ok' : 'degraded', database: database ? 'up' : 'down' },
    { status: database ? 200 : 503, headers: { 'Cache-Control': 'no-store' } },
  );
};
