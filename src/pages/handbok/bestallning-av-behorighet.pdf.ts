import type { APIRoute } from 'astro';
import { catalogue } from '#server/organisation/catalogue.ts';
import { config } from '#server/platform/config.ts';
import { ORDER_FORM_DATE, orderFormPdf } from '#server/pdf/order-form.ts';

/** Made once, at build time, into dist/client/handbok/bestallning-av-behorighet.pdf: a blank form from the catalogue. */
export const GET: APIRoute = async () => {
  const pdf = await orderFormPdf(catalogue(), config(), ORDER_FORM_DATE);
  return new Response(new Uint8Array(pdf), { headers: { 'Content-Type': 'application/pdf' } });
};
