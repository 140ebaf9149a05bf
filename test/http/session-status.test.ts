import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { createMember } from '../helpers/users.ts';

const PASSWORD = 'ett lösenord för sessionens status';

describe('GET /api/session, the poll of every signed-in page', () => {
  let t: TestDatabase;
  let server: TestServer;
  const clock = tempDir('session-status-clock');
  const clockFile = path.join(clock.path, 'offset');
  beforeAll(async () => {
    t = await freshDatabase();
    writeFileSync(clockFile, '0');
    server = await startServer({ DATABASE_URL: t.url, CLOCK_OFFSET_FILE: clockFile, LOGIN_CLIENT_LIMIT: '100000' });
    for (const username of ['ss0001', 'ss0002']) await createMember(t.db, { username, password: PASSWORD, termsVersion: CURRENT_TERMS_VERSION });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
    clock.remove();
  });

  const login = async (username: string) => cookiesOf(await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD }));
  const poll = (cookie: string) => fetch(`${server.url}/api/session`, { headers: { Cookie: cookie } });

  it('says how long the session has left without extending it, with the security headers of every response', async () => {
    const cookie = await login('ss0001');
    const before = await t.db.selectFrom('user_session').select('last_used_at').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    writeFileSync(clockFile, String(60_000));
    const answer = await poll(cookie);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
    // A minute later on the portal's clock (and the moment the request took).
    const left = await answer.json();
    expect(left.idleSeconds).toBeGreaterThan(19 * 60 - 5);
    expect(left.idleSeconds).toBeLessThanOrEqual(19 * 60);
    expect(left.absoluteSeconds).toBeGreaterThan(8 * 3600 - 65);
    expect(left.absoluteSeconds).toBeLessThanOrEqual(8 * 3600 - 60);
    const after = await t.db.selectFrom('user_session').select('last_used_at').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(after.last_used_at).toEqual(before.last_used_at);
    writeFileSync(clockFile, '0');
  });

  it('answers an ended, unknown or inactivated session with 401 and why, clearing a dead cookie', async () => {
    const cookie = await login('ss0002');
    writeFileSync(clockFile, String(21 * 60_000));
    const idle = await poll(cookie);
    writeFileSync(clockFile, '0');
    expect(idle.status).toBe(401);
    expect(await idle.json()).toEqual({ ended: 'idle' });
    expect(idle.headers.getSetCookie().some((value) => /^sid=deleted;.*Max-Age=0/.test(value))).toBe(true);

    const unknown = await poll('sid=finnsinte.alls');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ ended: 'none' });
    expect(unknown.headers.getSetCookie().length).toBe(1);

    const again = await login('ss0002');
    await t.db.updateTable('app_user').set({ status: 'inactive' }).where('username', '=', 'ss0002').execute();
    const inactive = await poll(again);
    expect(inactive.status).toBe(401);
    expect(await inactive.json()).toEqual({ ended: 'none' });
    expect((await poll('')).status).toBe(401);
  });
});
