import type { APIRoute } from 'astro';
import { letterContents, letterIds } from '#server/identity/letters.ts';
import { usernameLettersPdf } from '#server/pdf/letter.ts';

export const prerender = false;

/**
 * "Skriv ut alla": one PDF of exactly the letters the page listed (their ids are in the
 * address), one letter to a page. Opening it marks nothing: the handläggare marks the same
 * letters printed with the page's own button once the paper is in hand, so a download that
 * fails leaves every letter in the queue.
 */
export const GET: APIRoute = async ({ locals, url }) => {
  const letters = await letterContents(locals.app.db, letterIds(url.searchParams.get('brev')));
  if (letters.length === 0) return new Response('Det finns inga sådana brev.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  const body = await usernameLettersPdf(letters, locals.app.config);
  return new Response(new Uint8Array(body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="anvandarnamn-${letters.length}-brev.pdf"`,
      'Cache-Control': 'no-store',
    },
  });
};
