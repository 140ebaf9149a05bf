import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

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
    const mail = await t.db.selectFrom('mail_outbox').select(['subject', 'text_body']).where('to_address', '=', 'asa.oberg@myndighet.example').executeTakeFirstOrThrow();
    expect(mail.subject).toBe('Ditt engångslösenord till Anordnarportalen');
    expect(mail.text_body).not.toContain(username);
  });

  it('explains its usage when arguments are missing', () => {
    const result = run('create-staff', '--first-name', 'Åsa');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: npm run admin -- create-staff');
  });
});
