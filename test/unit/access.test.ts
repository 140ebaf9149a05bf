import { describe, expect, it } from 'vitest';
import type { User } from '#server/identity/users.ts';
import { judge, loginRedirect } from '#web/access.ts';

const TERMS = 'v2';
const member = { id: 1, kind: 'member', organisation_id: 7, org_role: null, terms_version: TERMS } as unknown as User;
const staff = { id: 2, kind: 'staff', organisation_id: null, org_role: null, terms_version: TERMS } as unknown as User;
const pending = { ...member, terms_version: 'v1' } as User;
// Only the administrator rule reads the database; these cases never reach it.
const noDb = undefined as never;

const verdict = (path: string, user: User | undefined, method = 'GET') => judge(noDb, new URL(path, 'http://portal.test'), method, user, TERMS);

describe('the access rules', () => {
  it.each([
    ['/handlaggning/ansokningar', undefined, 'GET', 'login'],
    ['/handlaggning/ansokningar', member, 'GET', 'forbidden'],
    ['/handlaggning/ansokningar', staff, 'GET', 'pass'],
    ['/mina-tjanster', undefined, 'GET', 'login'],
    ['/mina-tjanster', member, 'GET', 'pass'],
    ['/mina-tjanster-nagot', undefined, 'GET', 'pass'],
    ['/handbok/start', undefined, 'GET', 'pass'],
    ['/logga-in?_action=auth.login', undefined, 'POST', 'pass'],
    ['/logga-in?_action=office.approve', member, 'POST', 'forbidden'],
    ['/_actions/support.unlock', undefined, 'POST', 'login'],
    ['/_actions/support.unlock', member, 'POST', 'forbidden'],
    ['/_actions/account.selectUnit', member, 'POST', 'pass'],
    ['/mina-tjanster/organisation', pending, 'GET', 'terms'],
    ['/mina-tjanster/villkor', pending, 'GET', 'pass'],
    ['/mina-tjanster/villkor?_action=account.acceptTerms', pending, 'POST', 'pass'],
    ['/logga-in?_action=account.selectUnit', pending, 'POST', 'forbidden'],
  ] as const)('%s for %o by %s: %s', async (path, user, method, kind) => {
    expect((await verdict(path, user, method)).kind).toBe(kind);
  });

  it('says why: the staff rule with the general text, the terms gate with its own', async () => {
    expect(await verdict('/handlaggning', member)).toEqual({ kind: 'forbidden', reason: 'forbidden.text' });
    expect(await verdict('/logga-in?_action=organisation.addUnit', pending, 'POST')).toEqual({ kind: 'forbidden', reason: 'error.terms.first' });
  });

  it('sends to the login page with the page to come back to, without the action', () => {
    expect(loginRedirect(new URL('http://portal.test/mina-tjanster'))).toBe('/logga-in?next=%2Fmina-tjanster');
    expect(loginRedirect(new URL('http://portal.test/handlaggning/anvandare?q=a&_action=support.unlock'))).toBe(
      '/logga-in?next=%2Fhandlaggning%2Fanvandare%3Fq%3Da',
    );
  });
});
