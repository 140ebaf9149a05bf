import type { APIRoute } from 'astro';
import { findByToken } from '#server/applications/applications.ts';
import { appClock } from '#server/platform/clock.ts';
import { config } from '#server/platform/config.ts';
import { db } from '#server/platform/database.ts';
import { applicationPdf, undertakingAreas, undertakingPdf } from '#server/pdf/application.ts';

export const prerender = false;

/** The documents of an application, behind its capability URL: downloads, never cached. */
export const GET: APIRoute = async ({ params }) => {
  const application = await findByToken(db(), params.token ?? '', appClock());
  const file = params.file ?? '';
  const notFound = () => new Response('Dokumentet finns inte eller länken har slutat gälla.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  if (!application) return notFound();
  const data = { ...application, signatory: application.signatory, holder: application.holder };
  let body: Buffer;
  if (file === 'ansokan.pdf') {
    body = await applicationPdf(data, config());
  } else {
    const area = /^ansvarsforbindelse-([a-z0-9_]+)\.pdf$/.exec(file)?.[1]?.toUpperCase();
    if (!area || !undertakingAreas(application.areas).includes(area)) return notFound();
    body = await undertakingPdf(data, area, config());
  }
  return new Response(new Uint8Array(body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${application.reference}-${file}"`,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    },
  });
};
