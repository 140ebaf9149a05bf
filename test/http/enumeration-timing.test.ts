import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

/**
 * Nobody learns which usernames exist: not from the status, not from the page, not from
 * the time the answer takes (median over 50 tries each, interleaved).
 */
describe('usernames cannot be enumerated', () => {
  let t: TestDatabase;
  let server: TestServer;
  let patient: TestServer | undefined;
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '100000', LOG_LEVEL: 'silent' });
    await createMember(t.db, { username: 'en0001', password: 'det riktiga lösenordet här', termsVersion: CURRENT_TERMS_VERSION });
  });
  afterAll(async () => {
    await server?.stop();
    await patient?.stop();
    await t?.drop();
  });

  it.each([
    ['login', '/logga-in?_action=auth.login', { password: 'fel lösenord varje gång' }],
    ['kiosk: change password', '/losenordskiosk/byt?_action=auth.startChange', { password: 'fel lösenord varje gång' }],
    ['kiosk: forgot password', '/losenordskiosk/glomt?_action=auth.requestReset', {}],
  ])(
    'on %s',
    async (_name, path, fields) => {
      const times: Record<string, number[]> = { known: [], unknown: [] };
      const answers: Record<string, Set<string>> = { known: new Set(), unknown: new Set() };
      const post = async (kind: 'known' | 'unknown') => {
        const started = performance.now();
        const response = await postForm(`${server.url}${path}`, { username: kind === 'known' ? 'en0001' : 'en9999', ...fields });
        const text = pageText(await response.text());
        times[kind].push(performance.now() - started);
        answers[kind].add(`${response.status} ${response.headers.get('location') ?? ''} ${text.replace(/\d{1,2}:\d{2}|\d+ minuter?/g, 'TID')}`);
      };
      for (let i = 0; i < 5; i++) await post(i % 2 ? 'known' : 'unknown'); // warm up
      times.known = [];
      times.unknown = [];
      for (let i = 0; i < 50; i++) {
        await post('known');
        await post('unknown');
      }
      expect([...answers.unknown]).toEqual([...answers.known].slice(-answers.unknown.size));
      expect(answers.known.size).toBeLessThanOrEqual(2);
      expect(Math.abs(median(times.known) - median(times.unknown)), `medians ${median(times.known)} and ${median(times.unknown)} ms`).toBeLessThan(10);
    },
    120_000,
  );

  it('answers a wrong password as fast for an existing username as for an unknown one', async () => {
    // Every pair uses usernames nobody tried before, so no pair meets a lock or a throttle row of another.
    const PAIRS = 60;
    const WARM_UP = 10;
    const TRIES = 8;
    // A server that allows a few failures more, so each side of a pair can be tried several times.
    patient = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '100000', LOCKOUT_MAX_FAILURES: String(TRIES), LOG_LEVEL: 'silent' });
    const total = PAIRS + WARM_UP;
    for (let i = 0; i < total; i++) {
      await createMember(t.db, { username: `tk${String(i).padStart(4, '0')}`, password: 'det riktiga lösenordet här', termsVersion: CURRENT_TERMS_VERSION });
    }
    const post = async (username: string) => {
      const started = performance.now();
      const response = await postForm(`${patient!.url}/logga-in?_action=auth.login`, { username, password: 'fel lösenord varje gång' });
      await response.arrayBuffer();
      expect(response.status).toBe(401);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < total; i++) {
      const existing = `tk${String(i).padStart(4, '0')}`;
      const missing = `tu${String(i).padStart(4, '0')}`;
      // Each side of a pair is the fastest of a few tries (fewer than lock the account): the
      // shared machine only ever adds time, so the minimum is the request's own cost. The
      // order alternates, so neither side always follows the other's work.
      let a = Infinity;
      let b = Infinity;
      for (let round = 0; round < TRIES; round++) {
        if ((i + round) % 2) {
          b = Math.min(b, await post(missing));
          a = Math.min(a, await post(existing));
        } else {
          a = Math.min(a, await post(existing));
          b = Math.min(b, await post(missing));
        }
      }
      if (i < WARM_UP) continue;
      known.push(a);
      unknown.push(b);
    }
    const knownSlower = known.filter((value, i) => value > unknown[i]).length;
    const summary = `medians ${median(known).toFixed(3)} and ${median(unknown).toFixed(3)} ms; existing slower in ${knownSlower} of ${PAIRS}`;
    expect(Math.abs(median(known) - median(unknown)), summary).toBeLessThan(0.3);
    expect(knownSlower, summary).toBeLessThanOrEqual(40);
    expect(PAIRS - knownSlower, summary).toBeLessThanOrEqual(40);
  }, 180_000);
});
