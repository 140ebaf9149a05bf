import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#server/platform/clock.ts';
import { answer, answerQuestion, type Resource } from '#server/register/api.ts';
import { publishRegister } from '#server/register/publication.ts';
import { t } from '#web/i18n.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * The front server writes the API's answers from plain data (answerQuestion); the Astro
 * routes wrap the same answers in a WHATWG Response (answer). Both must say the same:
 * status, headers (ETag, Last-Modified, Cache-Control, Expires, CORS) and body.
 */
describe('the API answer, as plain data and as a Response', () => {
  let data: TestDatabase;
  const clock = new ManualClock('2026-05-04T08:00:00Z');
  const cache = { bytes: 1024 * 1024, refreshMs: 0 };

  beforeAll(async () => {
    data = await freshDatabase();
    const now = clock.now();
    for (let i = 0; i < 30; i++) {
      const org = await data.db
        .insertInto('organisation')
        .values({ org_number: String(5_570_000_000 + i), name: `Svarsskolan ${i} AB`, city: 'Växjö', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await data.db
        .insertInto('unit')
        .values({ organisation_id: org.id, name: `Svarsskolan ${i} AB`, is_main: true, city: 'Växjö', created_at: now })
        .execute();
    }
    await publishRegister(data.db, clock);
  });
  afterAll(() => data.drop());

  const viaResponse = async (resource: Resource, query: string, client: string, perMinute = 1000, headers: Record<string, string> = {}) => {
    const response = await answer(
      data.db,
      new Request(`https://portal.example/api/v1/${resource}?${query}`, { headers }),
      resource,
      client,
      clock,
      perMinute,
      cache,
      t,
    );
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  };
  const viaPlain = async (resource: Resource, query: string, client: string, perMinute = 1000, headers: Record<string, string> = {}) => {
    const answered = await answerQuestion(
      data.db,
      { searchParams: new URLSearchParams(query), ifNoneMatch: headers['If-None-Match'] },
      resource,
      client,
      clock,
      perMinute,
      cache,
      t,
    );
    return {
      status: answered.status,
      headers: Object.fromEntries(Object.entries(answered.headers).map(([name, value]) => [name.toLowerCase(), value])),
      body: answered.body ? Buffer.concat(answered.body).toString('utf8') : '',
    };
  };

  it('gives the same status, headers and body either way', async () => {
    const queries: Array<[Resource, string]> = [
      ['enheter', 'per_sida=5'],
      ['enheter', 'q=svarsskolan%201&per_sida=3&sida=2'],
      ['organisationer', 'ort=v%C3%A4xj%C3%B6'],
      ['organisationer', 'q=557000-0001'],
      ['enheter', 'cachebust=1'],
      ['enheter', 'per_sida=0'],
      ['enheter', 'publicering=1999-01-01'],
      ['enheter', 'publicering=2026-05-04&per_sida=2'],
    ];
    for (const [resource, query] of queries) {
      const plain = await viaPlain(resource, query, 'client-a');
      expect(await viaResponse(resource, query, 'client-a'), query).toEqual(plain);
      // Once built, the answer comes from the answer cache: still the same.
      expect(await viaResponse(resource, query, 'client-a'), query).toEqual(plain);
    }
    const first = await viaPlain('enheter', 'per_sida=5', 'client-a');
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
      'cache-control': expect.stringMatching(/^public, max-age=\d+$/),
      etag: expect.stringMatching(/^"\d+-[\w-]+"$/),
      'last-modified': clock.now().toUTCString(),
      expires: expect.any(String),
    });
    expect(JSON.parse(first.body).enheter).toHaveLength(5);
    const refused = await viaPlain('enheter', 'cachebust=1', 'client-a');
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(refused.body).detail).toMatch(/^Okänd parameter: cachebust/);
  });

  it('answers If-None-Match with 304 and no body either way', async () => {
    const etag = (await viaPlain('enheter', 'per_sida=7', 'client-b')).headers.etag;
    for (const header of [etag, `W/${etag}`, `"annan", ${etag}`]) {
      const plain = await viaPlain('enheter', 'per_sida=7', 'client-b', 1000, { 'If-None-Match': header });
      expect(plain.status).toBe(304);
      expect(plain.body).toBe('');
      expect(plain.headers.etag).toBe(etag);
      expect(await viaResponse('enheter', 'per_sida=7', 'client-b', 1000, { 'If-None-Match': header })).toEqual(plain);
    }
  });

  it('refuses a client over its limit with 429 and Retry-After, counting only answers it builds', async () => {
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await viaResponse('organisationer', `per_sida=${100 + i}`, 'client-c', 3)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await viaPlain('organisationer', 'per_sida=120', 'client-c', 3);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['cache-control']).toBe('no-store');
    // A kept answer costs the database nothing and is not counted.
    expect((await viaPlain('organisationer', 'per_sida=101', 'client-c', 3)).status).toBe(200);
  });
});
