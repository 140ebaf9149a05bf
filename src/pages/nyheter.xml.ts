import type { APIRoute } from 'astro';
import { atomFeed } from '#server/news/atom.ts';
import { newestFirst } from '#server/news/news.ts';
import { findArea } from '#server/organisation/catalogue.ts';
import { t } from '#web/i18n.ts';
import { newsItems } from '#web/news.ts';

// Rendered on request: the links are absolute from PUBLIC_URL, which is the deployment's, not the build's.
export const prerender = false;

/** Nyheter i e-tjänsten as an Atom feed: every item, newest first. */
export const GET: APIRoute = async ({ locals }) => {
  const { config } = locals.app;
  const body = atomFeed(
    { title: t('news.feedTitle'), base: config.publicUrl, authority: config.authority.name, areaName: (key) => findArea(key)?.name ?? key },
    newestFirst(await newsItems()),
  );
  return new Response(body, { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8', 'Cache-Control': 'public, max-age=300' } });
};
