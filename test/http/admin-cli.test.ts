import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { createMember } from '../helpers/users.ts';

describe('npm run admin', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(() => t.drop());

  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['src/cli/admin.ts', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, APP_MODE: 'demo', DATABASE_URL: t.url } });

  it('creates a handläggare, prints the username and sends the one-time password', async () => {
    const result = run('create-staff', '--first-name', 'Åsa', '--last-name', 'Öberg', '--email', 'asa.oberg@myndighet.example');
    expect(result.status, result.stderr).toBe(0);
    const username = /användarnamn (\w+)/.exec(result.stdout)![1];
    expect(username).toMatch(/^ao\d{4}$/);
    const user = await t.db.selectFrom('app_user').select(['kind', 'organisation_id', 'email']).where('username', '=', username).executeTakeFirstOrThrow();
    expect(user).toEqual({ kind: 'staff', organisation_id: null, email: 'asa.oberg@myndighet.example' });
    const mail = await t.db
      .selectFrom('mail_outbox')
      .select(['subject', 'text_body'])
      .where('to_address', '=', 'asa.oberg@myndighet.example')
      .executeTakeFirstOrThrow();
    expect(mail.subject).toBe('Ditt engångslösenord till Anordnarportalen');
    expect(mail.text_body).not.toContain(username);
  });

  it('inactivates and reactivates a handläggare, never the last active one, and no member', async () => {
    const create = (first: string, email: string) =>
      /användarnamn (\w+)/.exec(run('create-staff', '--first-name', first, '--last-name', 'Stab', '--email', email).stdout)![1];
    const first = create('Ebba', 'ebba.stab@myndighet.example');
    const second = create('Fred', 'fred.stab@myndighet.example');
    const status = async (username: string) =>
      (await t.db.selectFrom('app_user').select('status').where('username', '=', username).executeTakeFirstOrThrow()).status;
    const others = await t.db.selectFrom('app_user').select('username').where('kind', '=', 'staff').where('username', 'not in', [first, second]).execute();
    for (const { username } of others) expect(run('inactivate-staff', '--username', username).status).toBe(0);

    const done = run('inactivate-staff', '--username', first);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toContain(`${first} är inaktiverad`);
    expect(await status(first)).toBe('inactive');
    const last = run('inactivate-staff', '--username', second);
    expect(last.status).toBe(1);
    expect(last.stderr).toContain('sista aktiva handläggaren');
    expect(await status(second)).toBe('active');
    const back = run('reactivate-staff', '--username', first);
    expect(back.status, back.stderr).toBe(0);
    expect(await status(first)).toBe('active');

    const member = await createMember(t.db, { username: 'cl0001' });
    const refused = run('inactivate-staff', '--username', 'cl0001');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('Det finns ingen handläggare med användarnamnet cl0001');
    expect(await status(member.username)).toBe('active');
  });

  it('explains its usage when arguments are missing', () => {
    const result = run('create-staff', '--first-name', 'Åsa');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: npm run admin -- create-staff');
  });
});
