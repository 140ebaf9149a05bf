import type { APIRoute } from 'astro';
import { finishAuthentication } from '#server/identity/passkeys.ts';
import { recordSecondFactor } from '#server/identity/session.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { safeNext } from '#web/auth-cookies.ts';
import { type AuthenticationResponseJSON, authenticationBody, clientOf, ok, readJson, refused, rp } from './_shared.ts';

export const prerender = false;

/** Step two of a step-up: the user's own passkey, checked; the session then holds a second factor. */
export const POST: APIRoute = async (context) => {
  const { user, session, app } = context.locals;
  if (!user || !session) return refused(401, 'passkey.error.signedOut');
  const body = await readJson(context.request, authenticationBody);
  if ('error' in body) return body.error;
  const { client } = clientOf(context);
  const outcome = await finishAuthentication(app.db, 'step_up', body.data.response as unknown as AuthenticationResponseJSON, rp(context), app.clock, user.id);
  if (outcome.kind === 'expired') return refused(400, 'passkey.error.expired');
  if (outcome.kind === 'failed') {
    await recordAudit(app.db, {
      event: 'passkey.stepUpFailed',
      at: app.clock.now(),
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client,
    });
    return refused(401, 'passkey.error.stepUpFailed');
  }
  await recordSecondFactor(app.db, session.id, ['hwk'], app.clock);
  await recordAudit(app.db, {
    event: 'passkey.stepUp',
    at: app.clock.now(),
    actorUserId: user.id,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client,
    detail: { name: outcome.passkey.name },
  });
  return ok({ redirect: safeNext(body.data.next) ?? (user.kind === 'staff' ? '/handlaggning' : '/mina-tjanster') });
};
