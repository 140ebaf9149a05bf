import type { NewsItem } from '#server/news/news.ts';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export interface Feed {
  title: string;
  /** The portal's public address (PUBLIC_URL): every link and id in the feed is absolute. */
  base: URL;
  authority: string;
  /** Shown as the category of an item for some areas: the area's name. */
  areaName: (key: string) => string;
}

/**
 * The news as an Atom 1.0 feed (RFC 4287). Ids are the items' absolute URLs, which do
 * not change, so a feed reader never shows an item twice; `updated` is the newest item's
 * date, or the epoch for an empty feed, so the document is the same until the news change.
 */
export function atomFeed(feed: Feed, items: NewsItem[]): string {
  const self = new URL('/nyheter.xml', feed.base).href;
  const page = new URL('/nyheter', feed.base).href;
  const updated = (items[0]?.date ?? new Date(0)).toISOString();
  const entries = items.map((item) => {
    const link = new URL(`/nyheter#${item.slug}`, feed.base).href;
    const categories =
      item.areas === 'alla' ? [] : item.areas.map((area) => `    <category term="${escapeXml(area)}" label="${escapeXml(feed.areaName(area))}"/>`);
    return [
      '  <entry>',
      `    <id>${escapeXml(link)}</id>`,
      `    <title>${escapeXml(item.title)}</title>`,
      `    <updated>${item.date.toISOString()}</updated>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(link)}"/>`,
      ...categories,
      `    <content type="html">${escapeXml(item.html)}</content>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="sv">',
    `  <id>${escapeXml(page)}</id>`,
    `  <title>${escapeXml(feed.title)}</title>`,
    `  <updated>${updated}</updated>`,
    `  <author><name>${escapeXml(feed.authority)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(self)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(page)}"/>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
