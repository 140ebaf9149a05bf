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

describe('the second-factor gates', () => {
  const waiting = { enrolled: true, satisfied: false, required: false };
  const unenrolled = { enrolled: false, satisfied: false, required: true };
  const judged = (path: string, user: User, factor: Parameters<typeof judge>[5], method = 'GET') =>
    judge(noDb, new URL(path, 'http://portal.test'), method, user, TERMS, factor);

  it.each([
    ['/handlaggning/anvandare?q=a', 'GET', 'secondStep'],
    ['/mina-tjanster', 'GET', 'secondStep'],
    ['/logga-in/steg-tva?tillbaka=%2Fhandlaggning', 'GET', 'pass'],
    ['/logga-in/steg-tva?_action=mfa.verifyApp', 'POST', 'pass'],
    ['/logga-in/steg-tva?_action=mfa.verifyRecovery', 'POST', 'pass'],
    // The step's action posted to another page would render that page: refused.
    ['/handlaggning?_action=mfa.verifyApp', 'POST', 'secondStep'],
    ['/logga-in/steg-tva?_action=support.unlock', 'POST', 'secondStep'],
    ['/logga-ut', 'POST', 'pass'],
    ['/api/session', 'GET', 'pass'],
    ['/api/passkey/inloggning', 'POST', 'pass'],
    ['/mina-tjanster/sakerhet/ny-faktor', 'GET', 'secondStep'],
  ] as const)('a session waiting for its second step: %s (%s) → %s', async (path, method, kind) => {
    expect((await judged(path, staff, waiting, method)).kind).toBe(kind);
  });

  it.each([
    ['/handlaggning', 'GET', 'enrol'],
    ['/mina-tjanster/sakerhet', 'GET', 'enrol'],
    ['/mina-tjanster/sakerhet/ny-faktor?tillbaka=%2Fhandlaggning', 'GET', 'pass'],
    ['/mina-tjanster/sakerhet/ny-faktor?_action=mfa.startTotp', 'POST', 'pass'],
    ['/mina-tjanster/sakerhet/ny-faktor/app?_action=mfa.confirmTotp', 'POST', 'pass'],
    ['/mina-tjanster/sakerhet/passkeys', 'GET', 'pass'],
    ['/handlaggning?_action=mfa.startTotp', 'POST', 'enrol'],
    ['/mina-tjanster/sakerhet/ny-faktor?_action=office.approve', 'POST', 'enrol'],
  ] as const)('a user the policy requires a factor of, without one: %s (%s) → %s', async (path, method, kind) => {
    expect((await judged(path, staff, unenrolled, method)).kind).toBe(kind);
  });

  it('sends to the step with the page to come back to, without the action', async () => {
    expect(await judged('/handlaggning/anvandare?q=a&_action=support.unlock', staff, waiting, 'POST')).toEqual({
      kind: 'secondStep',
      to: '/logga-in/steg-tva?tillbaka=%2Fhandlaggning%2Fanvandare%3Fq%3Da',
    });
    expect(await judged('/handlaggning', staff, unenrolled)).toEqual({ kind: 'enrol', to: '/mina-tjanster/sakerhet/ny-faktor?tillbaka=%2Fhandlaggning' });
  });

  it('lets a satisfied session, and a user the policy leaves free, through as before', async () => {
    expect((await judged('/handlaggning', staff, { enrolled: true, satisfied: true, required: true })).kind).toBe('pass');
    expect((await judged('/mina-tjanster', member, { enrolled: false, satisfied: false, required: false })).kind).toBe('pass');
  });

  it('asks for the second step before the terms, and for the terms before the enrolment', async () => {
    expect((await judged('/mina-tjanster', pending, waiting)).kind).toBe('secondStep');
    expect((await judged('/mina-tjanster', pending, unenrolled)).kind).toBe('terms');
    expect((await judged('/mina-tjanster/villkor?_action=account.acceptTerms', pending, unenrolled, 'POST')).kind).toBe('pass');
  });
});
