import type { APIRoute } from 'astro';
import { finishAuthentication } from '#server/identity/passkeys.ts';
import { createSession } from '#server/identity/session.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { safeNext, setSessionCookie } from '#web/auth-cookies.ts';
import { sessionLimits } from '#web/request-context.ts';
import { type AuthenticationResponseJSON, authenticationBody, clientOf, ok, readJson, refused, rp, throttled } from './_shared.ts';

export const prerender = false;

/**
 * Step two of logging in with a passkey alone. A discoverable passkey with user
 * verification is something the person has and something they are or know: the session's
 * amr says so (hwk, user), and it counts as a second factor.
 */
export const POST: APIRoute = async (context) => {
  const limited = await throttled(context, 'passkey-login');
  if (limited) return limited;
  const body = await readJson(context.request, authenticationBody);
  if ('error' in body) return body.error;
  const { app } = context.locals;
  const { client } = clientOf(context);
  const outcome = await finishAuthentication(app.db, 'login', body.data.response as unknown as AuthenticationResponseJSON, rp(context), app.clock);
  if (outcome.kind === 'expired') return refused(400, 'passkey.error.expired');
  if (outcome.kind === 'failed') {
    // As a failed password login: the owner's log shows it; an unknown passkey names nobody.
    await recordAudit(app.db, { event: 'login.failed', at: app.clock.now(), subjectUserId: outcome.userId, client, detail: { method: 'passkey' } });
    app.log.info({ outcome: 'failed', method: 'passkey' }, 'login refused');
    return refused(401, 'passkey.error.loginFailed');
  }
  const { user } = outcome;
  const limits = sessionLimits(app.config);
  const { token } = await createSession(app.db, user.id, app.clock, limits, {
    userAgent: context.request.headers.get('user-agent') ?? '',
    client,
    amr: ['hwk', 'user'],
  });
  await recordAudit(app.db, {
    event: 'login.succeeded',
    at: app.clock.now(),
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client,
    detail: { method: 'passkey' },
  });
  setSessionCookie(context, token, limits.absoluteMs);
  return ok({ redirect: safeNext(body.data.next) ?? (user.kind === 'staff' ? '/handlaggning' : '/mina-tjanster') });
};
