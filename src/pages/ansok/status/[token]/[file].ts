import type { APIRoute } from 'astro';
import { findByToken } from '#server/applications/applications.ts';
import { applicationPdf, undertakingAreas, undertakingPdf } from '#server/pdf/application.ts';

export const prerender = false;

/** The documents of an application, behind its capability URL: downloads, never cached. */
export const GET: APIRoute = async ({ locals, params }) => {
  const application = await findByToken(locals.app.db, params.token ?? '', locals.app.clock);
  const file = params.file ?? '';
  const notFound = () =>
    new Response('Dokumentet finns inte eller länken har slutat gälla.', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  if (!application) return notFound();
  const data = { ...application, signatory: application.signatory, holder: application.holder };
  let body: Buffer;
  if (file === 'ansokan.pdf') {
    body = await applicationPdf(data, locals.app.config);
  } else {
    const area = /^ansvarsforbindelse-([a-z0-9_]+)\.pdf$/.exec(file)?.[1]?.toUpperCase();
    if (!area || !undertakingAreas(application.areas).includes(area)) return notFound();
    body = await undertakingPdf(data, area, locals.app.config);
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
