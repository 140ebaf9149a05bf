import type { SelectQueryBuilder } from 'kysely';

/**
 * Page arithmetic for every paged list (1-based pages, LIMIT/OFFSET in SQL), so that
 * "page 3 of 7" means the same rows everywhere.
 */

/** The page a query-string value asks for: a whole number within 1…max; 1 for anything else. */
export function requestedPage(value: string | null | undefined, max = 100_000): number {
  const asked = Math.floor(Number(value));
  return Number.isNaN(asked) ? 1 : Math.max(1, Math.min(max, asked));
}

/** How many pages `total` rows fill; an empty list still has one page to show. */
export const pageCount = (total: number, size: number): number => Math.max(1, Math.ceil(total / size));

/** The LIMIT and OFFSET of a page; a page below 1 is the first. */
export const pageWindow = (page: number, size: number): { limit: number; offset: number } => ({ limit: size, offset: (Math.max(1, page) - 1) * size });

/**
 * One page of the rows `select` picks from `base`, and how many rows `base` holds in all,
 * in two statements run side by side.
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` is Kysely's own type for a query that selects nothing yet.
type Unselected = {};

export async function fetchPage<DB, TB extends keyof DB, O>(
  base: SelectQueryBuilder<DB, TB, Unselected>,
  select: (base: SelectQueryBuilder<DB, TB, Unselected>) => SelectQueryBuilder<DB, TB, O>,
  page: number,
  size: number,
): Promise<{ rows: O[]; total: number }> {
  const { limit, offset } = pageWindow(page, size);
  const [rows, count] = await Promise.all([
    select(base).limit(limit).offset(offset).execute(),
    // Kysely cannot resolve a generic builder's selection, so the count's shape is stated.
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow() as Promise<{ n: number | string }>,
  ]);
  return { rows, total: Number(count.n) };
}
