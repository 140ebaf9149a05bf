import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

/** The handbook: one Markdown file per page under src/content/handbok, its slug the file name. */
const handbok = defineCollection({
  loader: glob({ pattern: '*.md', base: './src/content/handbok' }),
  schema: z.object({
    title: z.string().min(3),
    description: z.string().min(10).max(200),
    section: z.enum(['Kom igång', 'Logga in och lösenord', 'Organisation och behörigheter', 'Om portalen']),
    order: z.number().int().positive(),
    updated: z.coerce.date(),
  }),
});

/**
 * Nyheter i e-tjänsten: one Markdown file per item under src/content/nyheter. `areas` is
 * `alla` (every user, the start page and the feed) or a list of area keys from the
 * catalogue (the users of those areas, in Mina tjänster).
 */
const nyheter = defineCollection({
  loader: glob({ pattern: '*.md', base: './src/content/nyheter' }),
  schema: z.object({
    title: z.string().min(3).max(120),
    date: z.coerce.date(),
    areas: z.union([z.literal('alla'), z.array(z.string().regex(/^[A-Z0-9_]+$/)).min(1)]),
  }),
});

export const collections = { handbok, nyheter };
