/**
 * Nyheter i e-tjänsten: dated items written as Markdown in the repository
 * (src/content/nyheter), each for every user (`alla`) or for the users of some areas.
 */
export interface NewsItem {
  /** The file name without .md: stable, so the feed's entry ids stay the same. */
  slug: string;
  title: string;
  date: Date;
  /** Area keys, or `alla`. */
  areas: string[] | 'alla';
  /** Rendered HTML of the Markdown body. */
  html: string;
}

/** Newest first; the same date in slug order, so the order never flickers. */
export function newestFirst(items: NewsItem[]): NewsItem[] {
  return [...items].sort((a, b) => b.date.getTime() - a.date.getTime() || a.slug.localeCompare(b.slug));
}

/** The items for everybody (the start page). */
export function forEveryone(items: NewsItem[]): NewsItem[] {
  return newestFirst(items.filter((item) => item.areas === 'alla'));
}

/** The items that concern a user with these areas: those for everybody and those for one of their areas. */
export function concerning(items: NewsItem[], areas: ReadonlySet<string>): NewsItem[] {
  return newestFirst(items.filter((item) => item.areas === 'alla' || item.areas.some((area) => areas.has(area))));
}
