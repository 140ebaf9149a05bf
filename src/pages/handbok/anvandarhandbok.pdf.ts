import type { APIRoute } from 'astro';
import { handbookPages } from '#web/handbook.ts';
import { config } from '#server/platform/config.ts';
import { handbookPdf } from '#server/pdf/handbook.ts';

/** Made once, at build time, into dist/client/handbok/anvandarhandbok.pdf. */
export const GET: APIRoute = async () => {
  const pages = await handbookPages();
  const newest = new Date(Math.max(...pages.map((page) => page.data.updated.getTime())));
  const pdf = await handbookPdf(
    pages.map((page) => ({ id: page.id, title: page.data.title, description: page.data.description, body: page.body ?? '' })),
    config(),
    newest,
  );
  return new Response(new Uint8Array(pdf), { headers: { 'Content-Type': 'application/pdf' } });
};
