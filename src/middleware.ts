import { defineMiddleware } from 'astro:middleware';
import { appClock } from './lib/server/clock.ts';
import { config } from './lib/server/config.ts';
import { db } from './lib/server/database.ts';
import { sessionLimits } from './lib/server/request-context.ts';
import { sessionCookieName, validateSession } from './lib/server/session.ts';
import { CURRENT_TERMS_VERSION } from './lib/server/terms.ts';
import { findUserById } from './lib/server/users.ts';

// Until the current terms are accepted, a signed-in user reaches only these.
const OPEN_BEFORE_TERMS = ['/mina-tjanster/villkor', '/logga-ut', '/api/session', '/_actions/'];

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
      context.cookies.delete(name, { path: '/' });
      context.locals.sessionEnded = check.ended;
    }
  }
  const user = context.locals.user;
  if (user && user.terms_version !== CURRENT_TERMS_VERSION && !OPEN_BEFORE_TERMS.some((path) => context.url.pathname.startsWith(path))) {
    if (context.url.pathname.startsWith('/mina-tjanster') || context.url.pathname.startsWith('/handlaggning')) {
      return context.redirect('/mina-tjanster/villkor', 303);
    }
  }
  return next();
});
