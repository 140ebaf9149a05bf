import type { APIRoute } from 'astro';
import { roleRequestFile } from '#server/organisation/role-request-files.ts';

export const prerender = false;

/**
 * The role request's documents as the organisation printed them, for the handläggare to
 * compare with the signed paper. Staff only: the access table guards all of /handlaggning.
 */
export const GET: APIRoute = async ({ params, locals }) => {
  const id = Number(params.id);
  const file = Number.isSafeInteger(id) && id > 0 ? await roleRequestFile(locals.app.db, id, params.file ?? '', locals.app.config) : undefined;
  if (!file) return new Response('Dokumentet finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(new Uint8Array(file.body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${file.reference}-${params.file}"`,
      'Cache-Control': 'no-store',
    },
  });
};
