import { describe, expect, it } from 'vitest';
import { containsPattern } from '#server/platform/like.ts';
import { pageCount, pageWindow, requestedPage } from '#server/platform/paging.ts';

describe('paged lists', () => {
  it('reads the asked page as a whole number within 1…max, and anything else as page 1', () => {
    expect(requestedPage('3')).toBe(3);
    expect(requestedPage('2.7')).toBe(2);
    for (const junk of [null, undefined, '', 'tre', '0', '-4']) expect(requestedPage(junk), String(junk)).toBe(1);
    expect(requestedPage('999999')).toBe(100_000);
    expect(requestedPage('999999', 10_000)).toBe(10_000);
  });

  it('counts at least one page and skips the rows of the pages before', () => {
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(25, 25)).toBe(1);
    expect(pageCount(26, 25)).toBe(2);
    expect(pageWindow(3, 25)).toEqual({ limit: 25, offset: 50 });
    expect(pageWindow(0, 25)).toEqual({ limit: 25, offset: 0 });
  });
});

describe('search patterns', () => {
  it('matches values containing the text in lower case, with the searcher’s wildcards taken literally', () => {
    expect(containsPattern('  Skola ')).toBe('%skola%');
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});
