import { readFileSync } from 'node:fs';
import path from 'node:path';
import { config } from '#server/platform/config.ts';
import { z } from 'zod';

/**
 * The catalogue of areas, services and service roles. It is data: another authority
 * points CATALOGUE_FILE at its own JSON file of the same shape, no code changes.
 */
const schema = z
  .object({
    services: z.array(z.object({ key: z.string().min(1), name: z.string().min(1), description: z.string(), url: z.url() })).min(1),
    areas: z
      .array(
        z.object({
          key: z.string().regex(/^[A-Z0-9_]+$/),
          name: z.string().min(1),
          requiresUndertaking: z.boolean(),
          roles: z.array(z.object({ key: z.string().regex(/^[A-Z0-9_]+$/), name: z.string().min(1), service: z.string() })).min(1),
        }),
      )
      .min(1),
    roleDescriptions: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((catalogue, ctx) => {
    const services = new Set(catalogue.services.map((service) => service.key));
    const roleKeys = new Set<string>();
    for (const area of catalogue.areas) {
      for (const role of area.roles) {
        if (!services.has(role.service)) ctx.addIssue({ code: 'custom', message: `role ${role.key} names unknown service ${role.service}` });
        if (roleKeys.has(role.key)) ctx.addIssue({ code: 'custom', message: `role ${role.key} appears twice` });
        roleKeys.add(role.key);
      }
    }
  });

export type Catalogue = z.infer<typeof schema>;
export type Area = Catalogue['areas'][number];
export type Service = Catalogue['services'][number];
export type ServiceRole = Area['roles'][number] & { area: string };

export const DEFAULT_CATALOGUE_FILE = 'catalogue/default.json';

/** Reads and checks a catalogue file; throws naming the file and what is wrong. */
export function loadCatalogue(file: string): Catalogue {
  const result = schema.safeParse(JSON.parse(readFileSync(path.resolve(file), 'utf8')));
  if (!result.success) {
    throw new Error(`Catalogue ${file} is invalid: ${result.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  return result.data;
}

let cached: Catalogue | undefined;

/**
 * The catalogue for code that runs where no request context reaches (zod schemas built
 * at import, the build's handbook): read once from the configured CATALOGUE_FILE. Code
 * that has a context uses `app.catalogue`, the same data.
 */
export function catalogue(): Catalogue {
  cached ??= loadCatalogue(config().catalogueFile);
  return cached;
}

/** Every service role with the key of its area. */
export function allRoles(c: Catalogue = catalogue()): ServiceRole[] {
  return c.areas.flatMap((area) => area.roles.map((role) => ({ ...role, area: area.key })));
}

export function findArea(key: string, c: Catalogue = catalogue()): Area | undefined {
  return c.areas.find((area) => area.key === key);
}

export function findRole(key: string, c: Catalogue = catalogue()): ServiceRole | undefined {
  return allRoles(c).find((role) => role.key === key);
}

export function findService(key: string, c: Catalogue = catalogue()): Service | undefined {
  return c.services.find((service) => service.key === key);
}
