import type { APIRoute } from 'astro';
import { decide } from '#server/organisation/policy.ts';
import { adminOf } from '#web/access.ts';
import { roleRequestFile } from '#server/organisation/role-request-files.ts';
import { getRoleRequest } from '#server/organisation/role-requests.ts';

export const prerender = false;

export const GET: APIRoute = async ({ params, locals }) => {
  const id = Number(params.id) || 0;
  const request = await getRoleRequest(locals.app.db, id);
  if (!request || !decide(adminOf(locals), { kind: 'organisation.edit', organisationId: request.organisation_id }).allowed)
    return new Response('Du saknar behörighet.', { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const file = await roleRequestFile(locals.app.db, id, params.file ?? '', locals.app.config);
  if (!file) return new Response('Dokumentet finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return new Response(new Uint8Array(file.body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${file.reference}-${params.file}"`,
      'Cache-Control': 'no-store',
    },
  });
};
