import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Solves a challenge from the server as the widget does in the browser, and returns the form payload. */
async function solvedPayload(server: TestServer): Promise<string> {
  const challenge = (await (await fetch(`${server.url}/api/captcha`)).json()) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

describe('the kiosk captcha', () => {
  let t: TestDatabase;
  let server: TestServer;
  const forgot = (fields: Record<string, string>) =>
    postForm(`${server.url}/losenordskiosk/glomt?_action=auth.requestReset`, { username: 'ca0001', ...fields });
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '1000' });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it('hands out signed challenges that are never cached', async () => {
    const response = await fetch(`${server.url}/api/captcha`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const challenge = (await response.json()) as Challenge;
    expect(challenge.parameters.algorithm).toBe('SHA-256');
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts a solved challenge once and refuses it the second time', async () => {
    const payload = await solvedPayload(server);
    expect((await forgot({ altcha: payload })).status).toBe(303);
    const replay = await forgot({ altcha: payload });
    expect(replay.status).toBe(400);
    expect(pageText(await replay.text())).toContain('Den automatiska kontrollen mot robotar gick inte igenom');
  });

  it('refuses a forged or tampered payload', async () => {
    const payload = JSON.parse(Buffer.from(await solvedPayload(server), 'base64').toString()) as { solution: { counter: number } };
    payload.solution.counter += 1;
    for (const altcha of [Buffer.from(JSON.stringify(payload)).toString('base64'), 'inte base64 alls', Buffer.from('{}').toString('base64')]) {
      expect((await forgot({ altcha })).status).toBe(400);
    }
  });

  it('lets a form without JavaScript through to the rate limits', async () => {
    expect((await forgot({})).status).toBe(303);
  });
});
