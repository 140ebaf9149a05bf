import type { APIRoute } from 'astro';
import { applicationForOffice } from '#server/applications/applications.ts';
import { applicationPdf, undertakingAreas, undertakingPdf } from '#server/pdf/application.ts';

export const prerender = false;

/** The same documents the applicant printed, for the handläggare to compare with the paper. */
export const GET: APIRoute = async ({ locals, params }) => {
  const data = await applicationForOffice(locals.app.db, Number(params.id));
  if (!data) return new Response('Ansökan finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const area = /^ansvarsforbindelse-([a-z0-9_]+)\.pdf$/.exec(params.file ?? '')?.[1]?.toUpperCase();
  const body =
    params.file === 'ansokan.pdf'
      ? await applicationPdf(data, locals.app.config)
      : area && undertakingAreas(data.areas).includes(area)
        ? await undertakingPdf(data, area, locals.app.config)
        : undefined;
  if (!body) return new Response('Dokumentet finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(new Uint8Array(body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${data.reference}-${params.file}"`,
      'Cache-Control': 'no-store',
    },
  });
};
