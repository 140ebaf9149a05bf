import { getCollection, type CollectionEntry } from 'astro:content';

export type HandbookPage = CollectionEntry<'handbok'>;
export const SECTIONS = ['Kom igång', 'Logga in och lösenord', 'Organisation och behörigheter', 'Om portalen'] as const;

/** Every handbook page in reading order. */
export async function handbookPages(): Promise<HandbookPage[]> {
  return (await getCollection('handbok')).sort((a, b) => a.data.order - b.data.order);
}
