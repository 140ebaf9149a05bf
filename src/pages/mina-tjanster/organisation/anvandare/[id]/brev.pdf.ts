import type { APIRoute } from 'astro';
import { decide } from '#server/organisation/policy.ts';
import { config } from '#server/platform/config.ts';
import { db } from '#server/platform/database.ts';
import { loadActor, loadTarget } from '#server/organisation/admin.ts';
import { usernameLetterPdf } from '#server/pdf/letter.ts';

export const prerender = false;

const text = (status: number, body: string) => new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });

/** The latest username letter of a user, for an administrator who may manage them: to print again. */
export const GET: APIRoute = async ({ params, locals, redirect, url }) => {
  if (!locals.user) return redirect(`/logga-in?next=${encodeURIComponent(url.pathname)}`, 303);
  const target = await loadTarget(db(), Number(params.id) || 0);
  if (!target) return text(404, 'Användaren finns inte.');
  const decision = decide(await loadActor(db(), locals.user), { kind: 'user.manage', target });
  if (!decision.allowed) return text(403, 'Du saknar behörighet.');
  const letter = await db()
    .selectFrom('user_letter')
    .select(['user_letter.id', 'user_letter.created_at'])
    .where('user_letter.user_id', '=', target.id)
    .orderBy('user_letter.id', 'desc')
    .executeTakeFirst();
  const organisation = await db().selectFrom('organisation').selectAll().where('id', '=', target.organisationId!).executeTakeFirstOrThrow();
  const body = await usernameLetterPdf(
    {
      letterId: letter?.id ?? 0,
      createdAt: letter?.created_at ?? target.user.created_at,
      firstName: target.user.first_name,
      lastName: target.user.last_name,
      username: target.user.username,
      organisation: { name: organisation.name, postalAddress: organisation.postal_address, postalCode: organisation.postal_code, city: organisation.city },
    },
    config(),
  );
  return new Response(new Uint8Array(body), { headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': `attachment; filename="anvandarnamn-${target.user.username}.pdf"`, 'Cache-Control': 'no-store' } });
};
