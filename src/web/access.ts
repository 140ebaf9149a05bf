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
];

// By the action's namespace (`office.approve` → `office`).
const ACTIONS: Readonly<Record<string, Access>> = {
  office: 'staff',
  support: 'staff',
  organisation: 'administrator',
  account: 'signedIn',
  passkey: 'signedIn',
};

// Until the current terms are accepted, a signed-in user reaches only these pages and
// endpoints, and only this action: everything else acts in their name under terms they
// have not accepted.
const OPEN_BEFORE_TERMS = ['/mina-tjanster/villkor', '/logga-ut', '/api/session'];
const ACTIONS_BEFORE_TERMS = new Set(['account.acceptTerms']);

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
  /** `reason` is a message key. */
  | { kind: 'forbidden'; reason: string };

/** The verdict on one request: the action it calls if any, else the page it asks for. */
export async function judge(db: Db, url: URL, method: string, user: User | undefined, termsVersion: string): Promise<Verdict> {
  const action = calledAction(url, method);
  if (user && user.terms_version !== termsVersion) {
    if (action && !ACTIONS_BEFORE_TERMS.has(action.name)) return { kind: 'forbidden', reason: 'error.terms.first' };
    const open = OPEN_BEFORE_TERMS.some((path) => url.pathname.startsWith(path));
    if (!action && !open && (under(url.pathname, '/mina-tjanster') || under(url.pathname, '/handlaggning'))) return { kind: 'terms' };
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
  const params = new URLSearchParams(url.search);
  params.delete('_action');
  const query = params.toString();
  return `/logga-in?next=${encodeURIComponent(url.pathname + (query ? `?${query}` : ''))}`;
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
