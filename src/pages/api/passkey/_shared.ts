import type { APIContext } from 'astro';
import { z } from 'astro/zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { relyingParty, type RelyingParty } from '#server/identity/passkeys.ts';
import { loginContext, throttleClient } from '#web/request-context.ts';
import { t, type MessageKey } from '#web/i18n.ts';

/**
 * What the passkey endpoints share: JSON in, JSON out, every refusal a Swedish message the
 * browser script shows as it is (src/scripts/passkey.ts), never a 500 for bad input.
 */
const NO_STORE = { 'Cache-Control': 'no-store' };

export const ok = (body: unknown) => Response.json(body, { headers: NO_STORE });

/** A refusal: the status, the Swedish text and, when it belongs to one, the field. */
export const refused = (status: number, key: MessageKey, options: { field?: string; retryAfter?: number } = {}) =>
  Response.json(
    { message: t(key), ...(options.field ? { field: options.field } : {}) },
    { status, headers: { ...NO_STORE, ...(options.retryAfter ? { 'Retry-After': String(options.retryAfter) } : {}) } },
  );

export const rp = (context: APIContext): RelyingParty => relyingParty(context.locals.app.config, t('site.name'));

export const clientOf = (context: APIContext) => loginContext(context.locals, context.clientAddress);

/** The per-client limit on the endpoints that anyone may call to log in. */
export async function throttled(context: APIContext, bucket: string): Promise<Response | undefined> {
  const { address } = clientOf(context);
  const limit = await throttleClient(context.locals.app, address, bucket);
  return limit.allowed ? undefined : refused(429, 'passkey.error.tooMany', { retryAfter: limit.retryAfterSeconds });
}

const next = z.string().max(500).optional();

// The shape the browser library sends; the verifier checks everything in it.
const base64url = z
  .string()
  .max(20_000)
  .regex(/^[A-Za-z0-9_-]*$/);
const clientResults = z.record(z.string(), z.unknown()).optional().default({});
const registration = z.object({
  id: base64url.min(1).max(1400),
  rawId: base64url,
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: base64url, attestationObject: base64url, transports: z.array(z.string().max(40)).max(10).optional() }),
  clientExtensionResults: clientResults,
  authenticatorAttachment: z.string().max(40).optional(),
});
const authentication = z.object({
  id: base64url.min(1).max(1400),
  rawId: base64url,
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: base64url, authenticatorData: base64url, signature: base64url, userHandle: base64url.optional() }),
  clientExtensionResults: clientResults,
  authenticatorAttachment: z.string().max(40).optional(),
});

export const registerBody = z.object({ name: z.string().max(1000), response: registration, next });
export const authenticationBody = z.object({ response: authentication, next });

/** The request's JSON read against a schema; a body that is no such JSON is answered with 400. */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<{ data: z.output<T> } | { error: Response }> {
  const body = await request.json().catch(() => undefined);
  const parsed = schema.safeParse(body ?? {});
  return parsed.success ? { data: parsed.data } : { error: refused(400, 'passkey.error.badRequest') };
}

export type { AuthenticationResponseJSON, RegistrationResponseJSON };
