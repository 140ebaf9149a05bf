import { defineMiddleware } from 'astro:middleware';
import { clearSessionCookie } from '#web/auth-cookies.ts';
import { calledAction, judge, loginRedirect, type SecondFactorStatus } from '#web/access.ts';
import { sessionLimits } from '#web/request-context.ts';
import { mfaRequired } from '#server/identity/second-factor.ts';
import { hasSecondFactor, sessionCookieName, validateSessionWithUser } from '#server/identity/session.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { t } from '#web/i18n.ts';

/**
 * Finds the signed-in user on every on-demand request (prerendered pages never see a
 * session), then applies the access rules of src/web/access.ts: no page or action starts
 * without the actor it needs.
 */
export const onRequest = defineMiddleware(async (context, next) => {
  if (context.isPrerendered) return next();
  const { db, config, clock } = context.locals.app;
  const name = sessionCookieName(config.secure);
  const token = context.cookies.get(name)?.value;
  let factor: SecondFactorStatus | undefined;
  if (token) {
    // The session-status poll must not count as activity.
    const touch = !(context.url.pathname === '/api/session' && context.request.method === 'GET');
    // The session and its user in one statement.
    const check = await validateSessionWithUser(db, token, sessionLimits(config), clock, touch);
    if (check.session) {
      // The user, with whether they have a second factor, came in the session's own statement.
      const { has_second_factor: enrolled, ...user } = check.user;
      if (user.status === 'active') {
        context.locals.user = user;
        context.locals.session = check.session;
        factor = { enrolled, satisfied: hasSecondFactor(check.session), required: mfaRequired(user, config.rules.mfaRequiredFor) };
      }
    } else {
      // With the attributes it was set with: a __Host- cookie cleared without Secure is refused by the browser, which keeps it.
      clearSessionCookie(context);
      context.locals.sessionEnded = check.ended;
    }
  }
  const verdict = await judge(db, context.url, context.request.method, context.locals.user, CURRENT_TERMS_VERSION, factor);
  switch (verdict.kind) {
    case 'pass': {
      context.locals.admin = verdict.admin;
      const response = await next();
      return response.status === 403 ? titledAsRefusal(response) : response;
    }
    case 'terms':
      return context.redirect('/mina-tjanster/villkor', 303);
    case 'secondStep':
    case 'enrol':
      if (calledAction(context.url, context.request.method)?.rpc) {
        return refusedAction('FORBIDDEN', verdict.kind === 'secondStep' ? 'mfa.error.secondStepFirst' : 'mfa.error.enrolFirst');
      }
      return context.redirect(verdict.to, 303);
    case 'login':
      if (calledAction(context.url, context.request.method)?.rpc) return refusedAction('UNAUTHORIZED', 'error.signedOut');
      return context.redirect(loginRedirect(context.url), 303);
    case 'forbidden':
      if (calledAction(context.url, context.request.method)?.rpc) return refusedAction('FORBIDDEN', verdict.reason);
      // The 403 page in place of the page asked for. context.rewrite renders pages only;
      // next(…) would still run the action the original URL names.
      context.locals.forbidden = verdict.reason;
      return context.rewrite(new Request(new URL(FORBIDDEN_PAGE, context.url), { headers: context.request.headers }));
  }
});

const FORBIDDEN_PAGE = '/ingen-behorighet';

/**
 * A page that refuses inline (<Forbidden/> in its own layout, status 403) was titled as
 * the page it refused; screen readers announce the title first, so the refusal's title
 * replaces it. Only 403 pages are read whole for this; all others still stream.
 */
async function titledAsRefusal(response: Response): Promise<Response> {
  if (!response.headers.get('Content-Type')?.startsWith('text/html') || !response.body) return response;
  const html = await response.text();
  const title = `${t('forbidden.title')} – ${t('site.name')}`;
  const body = html.includes('data-refusal') ? html.replace(/<title>[^<]*<\/title>/, `<title>${title}</title>`) : html;
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A refusal as Astro answers an action called over RPC: JSON whose message is a key of sv.json. */
function refusedAction(code: 'UNAUTHORIZED' | 'FORBIDDEN', message: string): Response {
  const status = code === 'UNAUTHORIZED' ? 401 : 403;
  return new Response(JSON.stringify({ type: 'AstroActionError', code, status, message }), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  });
}
