import { getCollection } from 'astro:content';
import type { NewsItem } from '#server/news/news.ts';

/** The news items of the repository (src/content/nyheter) in the domain's shape. */
export async function newsItems(): Promise<NewsItem[]> {
  return (await getCollection('nyheter')).map((entry) => ({
    slug: entry.id,
    title: entry.data.title,
    date: entry.data.date,
    areas: entry.data.areas,
    html: entry.rendered?.html ?? '',
  }));
}
