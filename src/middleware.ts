import { defineMiddleware } from 'astro:middleware';
import { clearSessionCookie } from '#web/auth-cookies.ts';
import { t } from '#web/i18n.ts';
import { appClock } from '#server/platform/clock.ts';
import { config } from '#server/platform/config.ts';
import { db } from '#server/platform/database.ts';
import { sessionLimits } from '#web/request-context.ts';
import { sessionCookieName, validateSession } from '#server/identity/session.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { findUserById } from '#server/identity/users.ts';

// Until the current terms are accepted, a signed-in user reaches only these pages and
// endpoints, and only this action: everything else acts in their name under terms they
// have not accepted.
const OPEN_BEFORE_TERMS = ['/mina-tjanster/villkor', '/logga-ut', '/api/session'];
const ACTIONS_BEFORE_TERMS = new Set(['account.acceptTerms']);

/**
 * The action a request calls, found as Astro finds it: an RPC call names it in the path
 * after /_actions/, a form post in the `_action` query parameter of any page.
 */
function calledAction(url: URL, method: string): string | undefined {
  if (url.pathname.includes('/_actions/')) return url.pathname.replace(/^.*\/_actions\//, '');
  if (method === 'POST') return url.searchParams.get('_action') ?? undefined;
  return undefined;
}

/** Finds the signed-in user on every on-demand request; prerendered pages never see a session. */
export const onRequest = defineMiddleware(async (context, next) => {
  if (context.isPrerendered) return next();
  const name = sessionCookieName(config().secure);
  const token = context.cookies.get(name)?.value;
  if (token) {
    // The session-status poll must not count as activity.
    const touch = !(context.url.pathname === '/api/session' && context.request.method === 'GET');
    const check = await validateSession(db(), token, sessionLimits(), appClock(), touch);
    if (check.session) {
      const user = await findUserById(db(), check.session.userId);
      if (user && user.status === 'active') {
        context.locals.user = user;
        context.locals.session = check.session;
      }
    } else {
      // With the attributes it was set with: a __Host- cookie cleared without Secure is refused by the browser, which keeps it.
      clearSessionCookie(context.cookies);
      context.locals.sessionEnded = check.ended;
    }
  }
  const user = context.locals.user;
  if (user && user.terms_version !== CURRENT_TERMS_VERSION) {
    const action = calledAction(context.url, context.request.method);
    if (action !== undefined && !ACTIONS_BEFORE_TERMS.has(action)) {
      return new Response(t('error.terms.first'), { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
    }
    const open = OPEN_BEFORE_TERMS.some((path) => context.url.pathname.startsWith(path));
    if (!open && (context.url.pathname.startsWith('/mina-tjanster') || context.url.pathname.startsWith('/handlaggning'))) {
      return context.redirect('/mina-tjanster/villkor', 303);
    }
  }
  return next();
});
