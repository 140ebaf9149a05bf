import type { APIRoute } from 'astro';
import { catalogue } from '#server/organisation/catalogue.ts';
import { config } from '#server/platform/config.ts';
import { fullmaktPdf } from '#server/pdf/fullmakt.ts';

/** The blank "Ny fullmakt", made once at build time into dist/client/handbok/ny-fullmakt.pdf. */
export const GET: APIRoute = async () => {
  const pdf = await fullmaktPdf({ createdAt: new Date('2026-01-01T00:00:00Z') }, catalogue(), config());
  return new Response(new Uint8Array(pdf), { headers: { 'Content-Type': 'application/pdf' } });
};
