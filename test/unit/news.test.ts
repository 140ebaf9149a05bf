import { describe, expect, it } from 'vitest';
import { atomFeed } from '#server/news/atom.ts';
import { concerning, forEveryone, type NewsItem } from '#server/news/news.ts';
import { parseUnitCode } from '#server/organisation/unit-code.ts';
import { parseXml } from '../helpers/xml.ts';

const item = (slug: string, date: string, areas: NewsItem['areas'], title = slug): NewsItem => ({
  slug,
  title,
  date: new Date(date),
  areas,
  html: `<p>${title}</p>`,
});
const items = [
  item('alla-gammal', '2026-01-01', 'alla'),
  item('kk', '2026-03-01', ['KK']),
  item('yh-kk', '2026-02-01', ['YH', 'KK']),
  item('alla-ny', '2026-04-01', 'alla'),
];

describe('news', () => {
  it('gives each user the items for everyone and for their areas, newest first', () => {
    expect(concerning(items, new Set(['KK'])).map((news) => news.slug)).toEqual(['alla-ny', 'kk', 'yh-kk', 'alla-gammal']);
    expect(concerning(items, new Set(['YH'])).map((news) => news.slug)).toEqual(['alla-ny', 'yh-kk', 'alla-gammal']);
    expect(concerning(items, new Set()).map((news) => news.slug)).toEqual(['alla-ny', 'alla-gammal']);
    expect(forEveryone(items).map((news) => news.slug)).toEqual(['alla-ny', 'alla-gammal']);
  });

  it('writes an Atom feed that stays well-formed whatever the titles and bodies hold, with absolute links', () => {
    const tricky = item('tricky', '2026-05-01', ['KK'], 'Räksmörgås & <b>"citat"</b> \'här\'');
    const xml = atomFeed({ title: 'Nyheter & mer', base: new URL('https://portal.example/'), authority: 'Myndigheten', areaName: (key) => `Område ${key}` }, [
      tricky,
    ]);
    const feed = parseXml(xml);
    const entry = feed.children.find((child) => child.name === 'entry')!;
    expect(feed.children.find((child) => child.name === 'title')?.text).toBe('Nyheter & mer');
    expect(feed.children.find((child) => child.name === 'updated')?.text).toBe('2026-05-01T00:00:00.000Z');
    expect(entry.children.find((child) => child.name === 'title')?.text).toBe(tricky.title);
    expect(entry.children.find((child) => child.name === 'content')?.text).toBe(tricky.html);
    expect(entry.children.find((child) => child.name === 'link')?.attributes.href).toBe('https://portal.example/nyheter#tricky');
    expect(entry.children.find((child) => child.name === 'category')?.attributes).toEqual({ term: 'KK', label: 'Område KK' });
    expect(() => parseXml(atomFeed({ title: 'Tom', base: new URL('https://portal.example/'), authority: 'M', areaName: String }, []))).not.toThrow();
  });
});

describe('enhetskod', () => {
  it('reads a code as a caller says it', () => {
    expect(parseUnitCode(' e123 456 ')).toBe('E123456');
    expect(parseUnitCode('E1234567')).toBe('E1234567');
    expect(parseUnitCode('E12345')).toBeUndefined();
    expect(parseUnitCode('anna')).toBeUndefined();
  });
});
