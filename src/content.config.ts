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

export const collections = { handbok };
