import type { User } from '#server/identity/users.ts';
import { loadActor } from '#server/organisation/admin.ts';
import { decide, type AdminActor } from '#server/organisation/policy.ts';
import type { Db } from '#server/platform/database.ts';

/**
 * The one guard: which routes and actions need whom, decided before a page or an action
 * starts (the middleware applies it), so neither ever runs without its actor. Finer,
 * per-object checks stay in the domain's policy.
 */
export type Access = 'public' | 'signedIn' | 'staff' | 'administrator';

// Longest prefix first: the first that matches decides.
const PAGES: ReadonlyArray<readonly [string, Access]> = [
  ['/handlaggning', 'staff'],
  ['/mina-tjanster/organisation', 'administrator'],
  ['/mina-tjanster', 'signedIn'],
  // Signing in to an e-service: the portal's session is the e-services' single sign-on.
  ['/inloggning/tjanst', 'signedIn'],
];

// By the action's namespace (`office.approve` → `office`).
const ACTIONS: Readonly<Record<string, Access>> = {
  office: 'staff',
  support: 'staff',
  organisation: 'administrator',
  account: 'signedIn',
  mfa: 'signedIn',
  passkey: 'signedIn',
};

// Until the current terms are accepted, a signed-in user reaches only these pages and
// endpoints, and only this action: everything else acts in their name under terms they
// have not accepted.
const OPEN_BEFORE_TERMS = ['/mina-tjanster/villkor', '/logga-ut', '/api/session'];
const ACTIONS_BEFORE_TERMS = new Set(['account.acceptTerms']);

/**
 * The second factor, as the middleware found it for the signed-in user: whether they have
 * one (an app or a passkey), whether this session has shown one, and whether the policy
 * (MFA_REQUIRED_FOR) requires one of them.
 */
export interface SecondFactorStatus {
  enrolled: boolean;
  satisfied: boolean;
  required: boolean;
}

export const SECOND_STEP_PAGE = '/logga-in/steg-tva';
export const ENROL_PAGE = '/mina-tjanster/sakerhet/ny-faktor';

// What a session waiting for its second step reaches: the step itself (passkey endpoints
// included), logging out, the session poll, and the kiosk, which acts on no session (the
// lock notice links to it).
const OPEN_BEFORE_SECOND_STEP = [SECOND_STEP_PAGE, '/logga-ut', '/api/session', '/api/passkey', '/losenordskiosk'];
const ACTIONS_BEFORE_SECOND_STEP = new Set(['mfa.verifyApp', 'mfa.verifyRecovery']);
// What a user the policy requires a factor of, who has none, reaches: the ways to add one.
const OPEN_BEFORE_ENROLMENT = [
  ENROL_PAGE,
  '/mina-tjanster/sakerhet/passkeys',
  '/mina-tjanster/villkor',
  '/logga-ut',
  '/api/session',
  '/api/passkey',
  '/losenordskiosk',
];
const ACTIONS_BEFORE_ENROLMENT = new Set(['mfa.startTotp', 'mfa.confirmTotp', 'account.acceptTerms']);

const under = (pathname: string, prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);

export function pageAccess(pathname: string): Access {
  return PAGES.find(([prefix]) => under(pathname, prefix))?.[1] ?? 'public';
}

export function actionAccess(name: string): Access {
  return ACTIONS[name.split('.')[0] ?? ''] ?? 'public';
}

/**
 * The action a request calls, found as Astro finds it: an RPC call names it in the path
 * after /_actions/, a form post in the `_action` query parameter of any page.
 */
export function calledAction(url: URL, method: string): { name: string; rpc: boolean } | undefined {
  if (url.pathname.includes('/_actions/')) return { name: url.pathname.replace(/^.*\/_actions\//, ''), rpc: true };
  const name = method === 'POST' ? url.searchParams.get('_action') : null;
  return name ? { name, rpc: false } : undefined;
}

export type Verdict =
  | { kind: 'pass'; admin?: AdminActor }
  | { kind: 'login' }
  | { kind: 'terms' }
  /** The session has not shown the user's second factor: `to` is the second step, with the way back. */
  | { kind: 'secondStep'; to: string }
  /** The policy requires a factor the user does not have: `to` is the page that adds one. */
  | { kind: 'enrol'; to: string }
  /** `reason` is a message key. */
  | { kind: 'forbidden'; reason: string };

/** Where to come back to after a step in between: the page, without the action a form posted to. */
function returnPath(url: URL): string {
  const params = new URLSearchParams(url.search);
  params.delete('_action');
  const query = params.toString();
  return url.pathname + (query ? `?${query}` : '');
}

const withReturn = (page: string, url: URL) => `${page}?tillbaka=${encodeURIComponent(returnPath(url))}`;

/**
 * The verdict on one request: the action it calls if any, else the page it asks for. In
 * this order: the second step (a session that has not shown the user's factor reaches
 * nothing else), the terms, the enrolment the policy requires, then the route's own rule.
 * The back office is thereby always behind a second factor when staff must have one, or
 * when the staff member has one.
 */
export async function judge(db: Db, url: URL, method: string, user: User | undefined, termsVersion: string, factor?: SecondFactorStatus): Promise<Verdict> {
  const action = calledAction(url, method);
  // A form post is let through a gate only when both its action and the page that shows the result are.
  const through = (paths: string[], actions: ReadonlySet<string>) =>
    (!action || actions.has(action.name)) && (action?.rpc || paths.some((path) => under(url.pathname, path)));
  if (user && factor?.enrolled && !factor.satisfied) {
    // Nothing but the step itself: the terms and the rest wait until it is done.
    if (!through(OPEN_BEFORE_SECOND_STEP, ACTIONS_BEFORE_SECOND_STEP)) return { kind: 'secondStep', to: withReturn(SECOND_STEP_PAGE, url) };
  } else {
    if (user && user.terms_version !== termsVersion) {
      if (action && !ACTIONS_BEFORE_TERMS.has(action.name)) return { kind: 'forbidden', reason: 'error.terms.first' };
      const open = OPEN_BEFORE_TERMS.some((path) => url.pathname.startsWith(path));
      if (!action && !open && ['/mina-tjanster', '/handlaggning', '/inloggning/tjanst'].some((prefix) => under(url.pathname, prefix))) return { kind: 'terms' };
    }
    if (user && factor?.required && !factor.enrolled && !through(OPEN_BEFORE_ENROLMENT, ACTIONS_BEFORE_ENROLMENT)) {
      return { kind: 'enrol', to: withReturn(ENROL_PAGE, url) };
    }
  }
  // A form post is judged by its action and by the page that shows the result.
  const needs = [action ? actionAccess(action.name) : 'public', action?.rpc ? 'public' : pageAccess(url.pathname)];
  if (needs.every((access) => access === 'public')) return { kind: 'pass' };
  if (!user) return { kind: 'login' };
  let admin: AdminActor | undefined;
  for (const access of needs) {
    if (access === 'staff' && user.kind !== 'staff') return { kind: 'forbidden', reason: 'forbidden.text' };
    if (access === 'administrator') {
      admin ??= await loadActor(db, user);
      const decision = decide(admin, { kind: 'organisation.view', organisationId: user.organisation_id ?? -1 });
      if (!decision.allowed) return { kind: 'forbidden', reason: decision.reason };
    }
  }
  return { kind: 'pass', admin };
}

/** Where to come back to after logging in: the page, without the action a form posted to. */
export function loginRedirect(url: URL): string {
  return `/logga-in?next=${encodeURIComponent(returnPath(url))}`;
}

/** The signed-in user of a page or action the guard let through. */
export function userOf(locals: App.Locals): User {
  if (!locals.user) throw new Error('The access rules let an anonymous request reach a page or action that needs a user.');
  return locals.user;
}

/** The administrator of a page or action under an 'administrator' rule. */
export function adminOf(locals: App.Locals): AdminActor {
  if (!locals.admin) throw new Error('The access rules let a request reach an administrator page or action without its actor.');
  return locals.admin;
}

/** The session of a signed-in request: the middleware sets it with the user. */
export function sessionOf(locals: App.Locals): NonNullable<App.Locals['session']> {
  if (!locals.session) throw new Error('The access rules let a request without a session reach a page or action that needs one.');
  return locals.session;
}
