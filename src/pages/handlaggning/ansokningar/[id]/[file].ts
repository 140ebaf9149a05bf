import type { APIRoute } from 'astro';
import { applicationForOffice } from '#server/applications/applications.ts';
import { config } from '#server/platform/config.ts';
import { db } from '#server/platform/database.ts';
import { applicationPdf, undertakingAreas, undertakingPdf } from '#server/pdf/application.ts';

export const prerender = false;

/** The same documents the applicant printed, for the handläggare to compare with the paper. */
export const GET: APIRoute = async ({ params }) => {
  const data = await applicationForOffice(db(), Number(params.id));
  if (!data) return new Response('Ansökan finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const area = /^ansvarsforbindelse-([a-z0-9_]+)\.pdf$/.exec(params.file ?? '')?.[1]?.toUpperCase();
  const body = params.file === 'ansokan.pdf' ? await applicationPdf(data, config()) : area && undertakingAreas(data.areas).includes(area) ? await undertakingPdf(data, area, config()) : undefined;
  if (!body) return new Response('Dokumentet finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(new Uint8Array(body), { headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': `attachment; filename="${data.reference}-${params.file}"`, 'Cache-Control': 'no-store' } });
};
