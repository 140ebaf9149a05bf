import type { APIRoute } from 'astro';
import { letterData } from '#server/applications/approval.ts';
import { usernameLetterPdf } from '#server/pdf/letter.ts';

export const prerender = false;

export const GET: APIRoute = async ({ locals, params }) => {
  const id = Number(params.id);
  const row = Number.isSafeInteger(id) ? await letterData(locals.app.db, id) : undefined;
  if (!row) return new Response('Brevet finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const body = await usernameLetterPdf(
    {
      letterId: row.id,
      createdAt: row.created_at,
      firstName: row.first_name,
      lastName: row.last_name,
      username: row.username,
      organisation: { name: row.name, postalAddress: row.postal_address, postalCode: row.postal_code, city: row.city },
    },
    locals.app.config,
  );
  return new Response(new Uint8Array(body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="anvandarnamn-${row.username}.pdf"`,
      'Cache-Control': 'no-store',
    },
  });
};
