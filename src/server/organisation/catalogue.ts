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
    services: z
      .array(
        z.object({
          key: z.string().min(1),
          name: z.string().min(1),
          description: z.string(),
          url: z.url(),
          /** Reached with the roles of another service (e.g. that service's test environment). */
          rolesOf: z.string().optional(),
          /** Only in demo mode (APP_MODE=demo): the example e-service that `npm start` runs. */
          demoOnly: z.boolean().default(false),
          /**
           * The service signs its users in through the portal (OpenID Connect). Secrets never
           * live here: OIDC_CLIENT_SECRETS holds them; a `private_key_jwt` client publishes its
           * public keys at `jwksUri`.
           */
          oidc: z
            .object({
              clientId: z.string().regex(/^[a-z0-9-]{3,64}$/, 'client ids are 3–64 lower-case letters, digits or hyphens'),
              redirectUris: z.array(z.url()).min(1),
              postLogoutRedirectUris: z.array(z.url()).default([]),
              backchannelLogoutUri: z.url().optional(),
              authMethod: z.enum(['client_secret_basic', 'private_key_jwt']).default('client_secret_basic'),
              jwksUri: z.url().optional(),
            })
            .refine((oidc) => oidc.authMethod !== 'private_key_jwt' || oidc.jwksUri, { message: 'a private_key_jwt client needs jwksUri' })
            .optional(),
        }),
      )
      .min(1),
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
    const clientIds = new Set<string>();
    for (const service of catalogue.services) {
      if (service.rolesOf && (!services.has(service.rolesOf) || service.rolesOf === service.key)) {
        ctx.addIssue({ code: 'custom', message: `service ${service.key} takes the roles of unknown service ${service.rolesOf}` });
      }
      if (service.oidc) {
        if (clientIds.has(service.oidc.clientId)) ctx.addIssue({ code: 'custom', message: `client id ${service.oidc.clientId} appears twice` });
        clientIds.add(service.oidc.clientId);
      }
    }
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

/** Reads and checks a catalogue file; throws naming the file and what is wrong. Outside demo mode, demo-only services are left out. */
export function loadCatalogue(file: string, options: { demo?: boolean } = {}): Catalogue {
  const result = schema.safeParse(JSON.parse(readFileSync(path.resolve(file), 'utf8')));
  if (!result.success) {
    throw new Error(`Catalogue ${file} is invalid: ${result.error.issues.map((issue) => issue.message).join('; ')}`);
  }
  const demo = options.demo ?? true;
  return demo ? result.data : { ...result.data, services: result.data.services.filter((service) => !service.demoOnly) };
}

let cached: Catalogue | undefined;

/**
 * The catalogue for code that runs where no request context reaches (zod schemas built
 * at import, the build's handbook): read once from the configured CATALOGUE_FILE. Code
 * that has a context uses `app.catalogue`, the same data.
 */
export function catalogue(): Catalogue {
  cached ??= loadCatalogue(config().catalogueFile, { demo: config().demo });
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

/** The service whose roles grant this one: itself, or the one named by `rolesOf`. */
export const roleService = (service: Service): string => service.rolesOf ?? service.key;

/** The service that signs in as this OIDC client. */
export function serviceForClient(clientId: string, c: Catalogue = catalogue()): Service | undefined {
  return c.services.find((service) => service.oidc?.clientId === clientId);
}
