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
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '100000', LOG_LEVEL: 'silent' });
    await createMember(t.db, { username: 'en0001', password: 'det riktiga lösenordet här', termsVersion: CURRENT_TERMS_VERSION });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it.each([
    ['login', '/logga-in?_action=auth.login', { password: 'fel lösenord varje gång' }],
    ['kiosk: change password', '/losenordskiosk/byt?_action=auth.startChange', { password: 'fel lösenord varje gång' }],
    ['kiosk: forgot password', '/losenordskiosk/glomt?_action=auth.requestReset', {}],
  ])('on %s', async (_name, path, fields) => {
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
  }, 120_000);
});
