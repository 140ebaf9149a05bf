import type { APIRoute } from 'astro';
import { letterContents } from '#server/identity/letters.ts';
import { usernameLetterPdf } from '#server/pdf/letter.ts';

export const prerender = false;

export const GET: APIRoute = async ({ locals, params }) => {
  const id = Number(params.id);
  const [letter] = Number.isSafeInteger(id) && id > 0 ? await letterContents(locals.app.db, [id]) : [];
  if (!letter) return new Response('Brevet finns inte.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const body = await usernameLetterPdf(letter, locals.app.config);
  return new Response(new Uint8Array(body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="anvandarnamn-${letter.username}.pdf"`,
      'Cache-Control': 'no-store',
    },
  });
};
