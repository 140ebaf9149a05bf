import type { APIRoute } from 'astro';
import { adminOf } from '#web/access.ts';
import { organisationForFullmakt } from '#server/organisation/fullmakt.ts';
import { fullmaktPdf } from '#server/pdf/fullmakt.ts';

export const prerender = false;

/**
 * "Ny fullmakt" prefilled with the organisation, for its fullmaktshavare or administratör
 * organisation (an administratör enhet does not act for the whole organisation: 403).
 */
export const GET: APIRoute = async ({ locals }) => {
  const actor = adminOf(locals);
  if (!actor.orgRole || actor.organisationId === null) return new Response(null, { status: 403 });
  const { db, catalogue, config, clock } = locals.app;
  const organisation = await organisationForFullmakt(db, actor.organisationId);
  const pdf = await fullmaktPdf({ createdAt: clock.now(), organisation }, catalogue, config);
  return new Response(new Uint8Array(pdf), {
    headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': 'inline; filename="ny-fullmakt.pdf"', 'Cache-Control': 'private, no-store' },
  });
};
