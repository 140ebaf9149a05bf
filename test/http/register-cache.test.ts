import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { publishWithCli, startRegisterServer } from '../helpers/register.ts';
import type { TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/**
 * The register is published just after midnight in Stockholm, so an answer may be kept
 * until then: 23:00 UTC in winter, 22:00 UTC in summer. Each case moves the server's
 * clock to a moment on one day, publishes that day, and reads the lifetime it is given.
 */
describe('how long the register and its API may be cached', () => {
  let t: TestDatabase;
  let server: TestServer;
  const clockDir = tempDir('register-cache-clock');
  const clockFile = path.join(clockDir.path, 'offset');
  const get = (route: string) => fetch(`${server.url}${route}`);
  const setClock = (at: string) => writeFileSync(clockFile, String(Date.parse(at) - Date.now()));

  beforeAll(async () => {
    writeFileSync(clockFile, '0');
    t = await freshDatabase();
    server = await startRegisterServer(t.url, clockFile);
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    clockDir.remove();
  });

  const publish = (day: string) => {
    publishWithCli(t.url, clockFile);
    // The server looks for a newer publication on every request (REGISTER_REFRESH_SECONDS=0).
    return expect.poll(async () => (await (await get('/api/v1/enheter')).json()).publicering?.datum, { timeout: 10_000, interval: 300 }).toBe(day);
  };

  /** Lifetimes of the API, the register page and the downloads, read `seconds` (and just under a second more) before `next`. */
  const lifetimesAt = async (next: string, seconds: number) => {
    // The request reaches the server within a second of the clock being set, so max-age is exactly `seconds`.
    setClock(new Date(Date.parse(next) - seconds * 1000 - 999).toISOString());
    const answers = await Promise.all(['/api/v1/enheter?per_sida=2', '/register', '/register/enheter.csv', '/api/v1/publiceringar'].map(get));
    return answers.map((response) => ({ cacheControl: response.headers.get('cache-control'), expires: response.headers.get('expires') }));
  };

  const cases = [
    { name: 'the Saturday before summer time (CET)', day: '2027-03-27', at: '2027-03-27T11:00:00Z', next: '2027-03-27T23:00:00Z' },
    {
      name: 'the night summer time begins, before the change (the day has 23 hours)',
      day: '2027-03-28',
      at: '2027-03-28T00:30:00Z',
      next: '2027-03-28T22:00:00Z',
    },
    { name: 'the day summer time begins, after the change', day: '2027-03-28', at: '2027-03-28T10:00:00Z', next: '2027-03-28T22:00:00Z' },
    { name: 'the Monday after summer time began (CEST)', day: '2027-03-29', at: '2027-03-29T10:00:00Z', next: '2027-03-29T22:00:00Z' },
    { name: 'the Saturday before winter time (CEST)', day: '2027-10-30', at: '2027-10-30T10:00:00Z', next: '2027-10-30T22:00:00Z' },
    {
      name: 'the night winter time begins, before the change (the day has 25 hours)',
      day: '2027-10-31',
      at: '2027-10-30T22:30:00Z',
      next: '2027-10-31T23:00:00Z',
    },
    { name: 'the Monday after winter time began (CET)', day: '2027-11-01', at: '2027-11-01T11:00:00Z', next: '2027-11-01T23:00:00Z' },
  ];

  for (const { name, day, at, next } of cases) {
    it(`keeps answers until the next Stockholm midnight on ${name}`, async () => {
      setClock(at);
      await publish(day);
      const seconds = Math.floor((Date.parse(next) - Date.parse(at)) / 1000) - 7;
      const expected = { cacheControl: `public, max-age=${seconds}`, expires: new Date(next).toUTCString() };
      expect(await lifetimesAt(next, seconds)).toEqual([expected, expected, expected, expected]);
    });
  }

  it('keeps answers only a minute while today’s publication has not been made yet', async () => {
    // 2027-11-02 in Stockholm, and the latest publication is from the day before.
    setClock('2027-11-02T08:00:00.000Z');
    const answers = await Promise.all(['/api/v1/enheter?per_sida=2', '/register', '/register/enheter.csv', '/api/v1/publiceringar'].map(get));
    const expected = { cacheControl: 'public, max-age=60', expires: new Date('2027-11-02T08:01:00Z').toUTCString() };
    expect(answers.map((response) => ({ cacheControl: response.headers.get('cache-control'), expires: response.headers.get('expires') }))).toEqual([
      expected,
      expected,
      expected,
      expected,
    ]);
  });
});
