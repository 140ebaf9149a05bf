import type { APIRoute } from 'astro';
import { decide } from '#server/organisation/policy.ts';
import { loadTarget } from '#server/organisation/admin.ts';
import { adminOf } from '#web/access.ts';
import { latestLetter } from '#server/identity/letters.ts';
import { usernameLetterPdf } from '#server/pdf/letter.ts';

export const prerender = false;

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });

/** The latest username letter of a user, for an administrator who may manage them: to print again. */
export const GET: APIRoute = async ({ params, locals }) => {
  const target = await loadTarget(locals.app.db, Number(params.id) || 0);
  if (!target) return text(404, 'Användaren finns inte.');
  const decision = decide(adminOf(locals), { kind: 'user.view', target });
  if (!decision.allowed) return text(403, 'Du saknar behörighet.');
  const letter = await latestLetter(locals.app.db, target.user);
  if (!letter) return text(404, 'Användaren har inget brev.');
  const body = await usernameLetterPdf(letter, locals.app.config);
  return new Response(new Uint8Array(body), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="anvandarnamn-${target.user.username}.pdf"`,
      'Cache-Control': 'no-store',
    },
  });
};
