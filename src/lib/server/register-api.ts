import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from './clock.ts';
import type { Db } from './database.ts';
import { hitLimit } from './rate-limit.ts';
import { findPublication, registerOrganisations, registerUnits, secondsUntilNextPublication, type Publication, type RegisterQuery } from './register.ts';

/**
 * The open API's answers: stable Swedish field names, paged, cacheable until the next
 * publication (ETag, Last-Modified), open to every origin for GET.
 */
const params = z.object({
  sida: z.coerce.number().int().min(1).max(100_000).default(1),
  per_sida: z.coerce.number().int().min(1).max(500).default(100),
  q: z.string().max(100).optional(),
  ort: z.string().max(100).optional(),
  organisationsnummer: z.string().regex(/^\d{6}-?\d{4}$/).optional(),
  publicering: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});

const formatOrgNumber = (value: string) => value.replace(/^(\d{6})(\d{4})$/, '$1-$2');
const publicationJson = (publication: Publication) => ({ datum: publication.published_on, publicerad: publication.published_at.toISOString() });

const CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': 'If-None-Match, If-Modified-Since', 'Cross-Origin-Resource-Policy': 'cross-origin' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...CORS, ...headers } });
}

export const problem = (status: number, message: string, headers: Record<string, string> = {}) => json(status, { fel: message }, { 'Cache-Control': 'no-store', ...headers });

export type Resource = 'organisationer' | 'enheter';

/**
 * A publication never changes, so its answers can be kept: each process keeps the
 * latest answers in memory (bounded), which is what lets the API serve thousands of
 * requests a second. Only the identity of the latest publication is looked up again,
 * at most every few seconds, so a new publication shows within that time everywhere.
 */
const answers = new Map<string, string>();
const MAX_ANSWERS = 2000;
const LATEST_TTL_MS = 5_000;
let latest: { publication: Publication; fetchedAt: number } | undefined;

async function publicationFor(db: Db, day: string | undefined): Promise<Publication | undefined> {
  if (day) return findPublication(db, day);
  if (latest && Date.now() - latest.fetchedAt < LATEST_TTL_MS) return latest.publication;
  const publication = await findPublication(db);
  if (publication) latest = { publication, fetchedAt: Date.now() };
  return publication;
}

function remember(key: string, body: string): void {
  if (answers.size >= MAX_ANSWERS) answers.delete(answers.keys().next().value!);
  answers.set(key, body);
}

/** Answers one API request for a list resource. */
export async function answer(db: Db, request: Request, resource: Resource, client: string, clock: Clock, perMinute: number): Promise<Response> {
  const url = new URL(request.url);
  const parsed = params.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return problem(400, `Ogiltig parameter: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  const input = parsed.data;
  const publication = await publicationFor(db, input.publicering);
  if (!publication) return problem(404, input.publicering ? 'Det finns ingen publicering för det datumet.' : 'Registret har inte publicerats ännu.');

  const tag = `"${publication.id}-${createHash('sha256').update(`${resource}?${[...url.searchParams].sort().join('&')}`).digest('base64url').slice(0, 16)}"`;
  const cache = {
    ETag: tag,
    'Last-Modified': publication.published_at.toUTCString(),
    'Cache-Control': `public, max-age=${input.publicering ? 86_400 * 30 : secondsUntilNextPublication(clock.now())}`,
  };
  if (request.headers.get('if-none-match')?.split(',').map((value) => value.trim().replace(/^W\//, '')).includes(tag)) {
    return new Response(null, { status: 304, headers: { ...CORS, ...cache } });
  }
  const key = `${tag}|${resource}`;
  const kept = answers.get(key);
  if (kept) return new Response(kept, { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', ...CORS, ...cache } });
  // Only requests that reach the database count against the client's limit.
  const limit = await hitLimit(db, { bucket: 'api', key: client, max: perMinute, windowMs: 60_000 }, clock);
  if (!limit.allowed) return problem(429, 'För många anrop. Vänta en stund och försök igen.', { 'Retry-After': String(limit.retryAfterSeconds) });
  const response = await build(db, publication, resource, input, cache);
  if (response.status === 200) remember(key, await response.clone().text());
  return response;
}

async function build(db: Db, publication: Publication, resource: Resource, input: z.infer<typeof params>, cache: Record<string, string>): Promise<Response> {
  const query: RegisterQuery = { q: input.q, city: input.ort, orgNumber: input.organisationsnummer, page: input.sida, perPage: input.per_sida };
  const page = { publicering: publicationJson(publication), sida: input.sida, per_sida: input.per_sida };
  if (resource === 'organisationer') {
    const { rows, total } = await registerOrganisations(db, publication.id, query);
    return json(200, { ...page, totalt: total, organisationer: rows.map((row) => ({ organisationsnummer: formatOrgNumber(row.org_number), namn: row.name, ort: row.city, omraden: row.areas, uppgifter_bekraftade: row.confirmed_at?.toISOString() ?? null })) }, cache);
  }
  const { rows, total } = await registerUnits(db, publication.id, query);
  return json(200, {
    ...page,
    totalt: total,
    enheter: rows.map((row) => ({
      id: row.unit_id,
      namn: row.name,
      huvudorganisation: row.is_main,
      utdelningsadress: row.postal_address,
      postnummer: row.postal_code,
      ort: row.city,
      organisation: { organisationsnummer: formatOrgNumber(row.org_number), namn: row.organisation_name },
    })),
  }, cache);
}

export { CORS, formatOrgNumber, publicationJson };
