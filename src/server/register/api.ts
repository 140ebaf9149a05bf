import { createHash } from 'node:crypto';
import { Temporal } from 'temporal-polyfill';
import { z } from 'zod';
import { ByteCache } from '#server/platform/byte-cache.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import { hitLeasedLimit } from '#server/platform/rate-limit.ts';
import {
  findPublication,
  latestCacheHeaders,
  organisationJson,
  registerOrganisations,
  registerUnits,
  type Publication,
  type RegisterQuery,
  unitJson,
} from '#server/register/publication.ts';
import { type PublicationIndex, pageChunks, publicationIndex, searchOrganisations, searchUnits } from '#server/register/search-index.ts';

/**
 * The open API's answers: stable Swedish field names, paged, cacheable until the next
 * publication (ETag, Last-Modified), open to every origin for GET.
 */
// Control characters (NUL above all, which PostgreSQL refuses in text) are never a search.
const searchText = z
  .string()
  .max(100)
  .refine((value) => !/\p{Cc}/u.test(value))
  .optional();
// A date that exists in PostgreSQL's calendar: 2026-02-30 and year 0 are refused here, not by the database.
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((value) => {
    try {
      return Temporal.PlainDate.from(value, { overflow: 'reject' }).year >= 1;
    } catch {
      return false;
    }
  })
  .optional();
const params = z.strictObject({
  sida: z.coerce.number().int().min(1).max(100_000).default(1),
  per_sida: z.coerce.number().int().min(1).max(500).default(100),
  q: searchText,
  ort: searchText,
  organisationsnummer: z
    .string()
    .regex(/^\d{6}-?\d{4}$/)
    .optional(),
  publicering: calendarDate,
});
type Parameter = keyof typeof params.shape;
const PARAMETERS = Object.keys(params.shape) as Parameter[];

const publicationJson = (publication: Publication) => ({ datum: publication.published_on, publicerad: publication.published_at.toISOString() });

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'If-None-Match, If-Modified-Since',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * An answer as plain data: the front server writes it to node:http directly, and the
 * Astro routes wrap it in a Response (building WHATWG Request, Headers and Response
 * objects costs more than the rest of an answer from the index).
 */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  /**
   * The body as chunks, written in turn: an answer from the index is views of the index's
   * own bytes between its head and tail, so building one copies and allocates nothing large.
   */
  body: Chunks | null;
}

type Chunks = readonly Uint8Array<ArrayBuffer>[];

const encoder = new TextEncoder();

const TITLES = { 400: 'api.problem.badRequest', 404: 'api.problem.notFound', 429: 'api.problem.tooMany' } as const;

/** The messages the API answers with, as keys: the web layer's t() turns them into Swedish. */
export type ApiMessage =
  | (typeof TITLES)[keyof typeof TITLES]
  | 'api.problem.unknownParameter'
  | 'api.problem.unknownParameters'
  | 'api.problem.repeatedParameter'
  | 'api.problem.invalidValue'
  | 'api.problem.noPublication'
  | 'api.problem.tooManyDetail'
  | 'register.none'
  | `api.parameter.${Parameter}`;
export type Translate = (key: ApiMessage, params?: Record<string, string | number>) => string;

/**
 * An error as RFC 9457 problem details, in Swedish. `fel` repeats the detail for clients
 * written against the first version of the API, which answered `{ fel }` only.
 */
export function problem(text: Translate, status: keyof typeof TITLES, detail: string, headers: Record<string, string> = {}): ApiAnswer {
  const body = { type: 'about:blank', title: text(TITLES[status]), status, detail, fel: detail };
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8', ...CORS, 'Cache-Control': 'no-store', ...headers },
    body: [encoder.encode(JSON.stringify(body))],
  };
}

export type Resource = 'organisationer' | 'enheter';

// A parameter name is the client's own words: shown shortened and without control characters.
const shown = (name: string) => name.slice(0, 40).replace(/\p{Cc}/gu, '?');

/** The query's parameters checked against the API's: the parsed input, or the 400 that names what is wrong. */
function parseQuery(searchParams: URLSearchParams, t: Translate): { input: z.infer<typeof params> } | { refused: ApiAnswer } {
  const names = [...searchParams.keys()];
  const unknown = [...new Set(names.filter((name) => !(PARAMETERS as string[]).includes(name)))];
  if (unknown.length) {
    const key = unknown.length === 1 ? 'api.problem.unknownParameter' : 'api.problem.unknownParameters';
    return { refused: problem(t, 400, t(key, { names: unknown.map(shown).join(', '), allowed: PARAMETERS.join(', ') })) };
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) return { refused: problem(t, 400, t('api.problem.repeatedParameter', { name: repeated })) };
  const parsed = params.safeParse(Object.fromEntries(searchParams));
  if (!parsed.success) {
    const name = String(parsed.error.issues[0]?.path[0] ?? '') as Parameter;
    return { refused: problem(t, 400, t('api.problem.invalidValue', { name, hint: t(`api.parameter.${name}`) })) };
  }
  return { input: parsed.data };
}

/**
 * A publication never changes, so its answers can be kept: each process keeps the
 * latest answers in memory, which is what lets the API serve thousands of requests a
 * second. The cache is bounded in bytes and keyed only by the parsed, known parameters,
 * so no query can make the process keep more than the bound. Only the identity of the
 * latest publication is looked up again, at most every few seconds, so a new publication
 * shows within that time everywhere.
 */
const answers = new ByteCache<Chunks>(64 * 1024 * 1024);
let latest: { publication: Publication; fetchedAt: number } | undefined;

async function publicationFor(db: Db, day: string | undefined, refreshMs: number): Promise<Publication | undefined> {
  if (day) return findPublication(db, day);
  if (latest && Date.now() - latest.fetchedAt < refreshMs) return latest.publication;
  const publication = await findPublication(db);
  if (publication) latest = { publication, fetchedAt: Date.now() };
  return publication;
}

/** The answer's identity: the publication, the resource and the parameters' parsed values, nothing the client adds. */
function canonical(resource: Resource, input: z.infer<typeof params>): string {
  return JSON.stringify([
    resource,
    ...PARAMETERS.map((name) => (name === 'organisationsnummer' ? input.organisationsnummer?.replace(/-/g, '') : input[name]) ?? null),
  ]);
}

/** How each process keeps answers: at most `bytes`, and the latest publication looked up again after `refreshMs`. */
export interface AnswerCache {
  bytes: number;
  refreshMs: number;
}

/** What an answer depends on in a request: its query string's parameters and If-None-Match. */
export interface ApiQuestion {
  searchParams: URLSearchParams;
  ifNoneMatch: string | undefined;
}

/** Answers one API request for a list resource (an Astro route's Request) from this process's bounded answer cache. */
export async function answer(
  db: Db,
  request: Request,
  resource: Resource,
  client: string,
  clock: Clock,
  perMinute: number,
  cacheSettings: AnswerCache,
  t: Translate,
): Promise<Response> {
  const question = { searchParams: new URL(request.url).searchParams, ifNoneMatch: request.headers.get('if-none-match') ?? undefined };
  const answered = await answerQuestion(db, question, resource, client, clock, perMinute, cacheSettings, t);
  return new Response(answered.body && Buffer.concat(answered.body), { status: answered.status, headers: answered.headers });
}

/** Answers one API request for a list resource, as plain data, from this process's bounded answer cache. */
export async function answerQuestion(
  db: Db,
  question: ApiQuestion,
  resource: Resource,
  client: string,
  clock: Clock,
  perMinute: number,
  cacheSettings: AnswerCache,
  t: Translate,
): Promise<ApiAnswer> {
  const parsed = parseQuery(question.searchParams, t);
  if ('refused' in parsed) return parsed.refused;
  const input = parsed.input;
  const publication = await publicationFor(db, input.publicering, cacheSettings.refreshMs);
  if (!publication) return problem(t, 404, t(input.publicering ? 'api.problem.noPublication' : 'register.none'));

  const tag = `"${publication.id}-${createHash('sha256').update(canonical(resource, input)).digest('base64url').slice(0, 16)}"`;
  const cache = {
    ETag: tag,
    'Last-Modified': lastModified(publication),
    ...(input.publicering ? { 'Cache-Control': `public, max-age=${86_400 * 30}` } : latestCacheHeaders(publication, clock.now())),
  };
  if (
    question.ifNoneMatch
      ?.split(',')
      .map((value) => value.trim().replace(/^W\//, ''))
      .includes(tag)
  ) {
    return { status: 304, headers: { ...CORS, ...cache }, body: null };
  }
  if (answers.maxBytes !== cacheSettings.bytes) answers.resize(cacheSettings.bytes);
  const kept = answers.get(tag);
  if (kept) return { status: 200, headers: { 'Content-Type': JSON_TYPE, ...CORS, ...cache }, body: kept };
  // Only requests that reach the database count against the client's limit.
  const limit = await hitLeasedLimit(db, { bucket: 'api', key: client, max: perMinute, windowMs: 60_000 }, clock);
  if (!limit.allowed) return problem(t, 429, t('api.problem.tooManyDetail'), { 'Retry-After': String(limit.retryAfterSeconds) });
  const index = await publicationIndex(db, publication.id);
  const body = index ? fromIndex(index, publication, resource, input) : [encoder.encode(await build(db, publication, resource, input))];
  answers.set(tag, body);
  return { status: 200, headers: { 'Content-Type': JSON_TYPE, ...CORS, ...cache }, body };
}

// A publication's Last-Modified, formatted once: every answer from it sends the same.
const lastModifiedTexts = new WeakMap<Publication, string>();
function lastModified(publication: Publication): string {
  let text = lastModifiedTexts.get(publication);
  if (text === undefined) {
    text = publication.published_at.toUTCString();
    lastModifiedTexts.set(publication, text);
  }
  return text;
}

/**
 * The answer from the publication's in-memory index: the same JSON, key for key, as
 * build() makes from SQL, put together from each row's ready JSON.
 */
function fromIndex(index: PublicationIndex, publication: Publication, resource: Resource, input: z.infer<typeof params>): Chunks {
  const query: RegisterQuery = { q: input.q, city: input.ort, orgNumber: input.organisationsnummer, page: input.sida, perPage: input.per_sida };
  const organisations = resource === 'organisationer';
  const { rows, total } = organisations ? searchOrganisations(index, query) : searchUnits(index, query);
  const head = JSON.stringify({ publicering: publicationJson(publication), sida: input.sida, per_sida: input.per_sida, totalt: total });
  return pageChunks(organisations ? index.organisationJson : index.unitJson, rows, `${head.slice(0, -1)},${JSON.stringify(resource)}:[`, ']}');
}

/** The answer's JSON from SQL, for a publication too large to index. */
async function build(db: Db, publication: Publication, resource: Resource, input: z.infer<typeof params>): Promise<string> {
  const query: RegisterQuery = { q: input.q, city: input.ort, orgNumber: input.organisationsnummer, page: input.sida, perPage: input.per_sida };
  const page = { publicering: publicationJson(publication), sida: input.sida, per_sida: input.per_sida };
  if (resource === 'organisationer') {
    const { rows, total } = await registerOrganisations(db, publication.id, query);
    return JSON.stringify({
      ...page,
      totalt: total,
      organisationer: rows.map(organisationJson),
    });
  }
  const { rows, total } = await registerUnits(db, publication.id, query);
  return JSON.stringify({ ...page, totalt: total, enheter: rows.map(unitJson) });
}

export { CORS, publicationJson };
