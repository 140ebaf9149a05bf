/**
 * A LIKE pattern matching any value that contains `text`, compared in lower case. The
 * searcher's own `%`, `_` and `\` are escaped, so they match themselves instead of
 * turning a search box into a wildcard (Postgres escapes LIKE with `\` by default).
 */
export const containsPattern = (text: string): string =>
  `%${text
    .trim()
    .toLowerCase()
    .replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
