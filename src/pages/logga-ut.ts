import type { APIRoute } from 'astro';
import { clearSessionCookie } from '#web/auth-cookies.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { deleteSession } from '#server/identity/session.ts';

export const prerender = false;

/** Logga ut: deletes the session row, so the cookie is dead even if a copy survives, and clears cookies. */
export const POST: APIRoute = async ({ locals, cookies, url, redirect }) => {
  const reason = url.searchParams.get('orsak');
  if (locals.session && locals.user) {
    await deleteSession(locals.app.db, locals.session.id);
    await recordAudit(locals.app.db, {
      event: 'session.ended',
      at: locals.app.clock.now(),
      actorUserId: locals.user.id,
      subjectUserId: locals.user.id,
      organisationId: locals.user.organisation_id,
      detail: { reason: reason === 'inaktiv' ? 'idle' : 'logout' },
    });
  }
  clearSessionCookie({ cookies, locals });
  const response = redirect(`/logga-in?utloggad=${reason === 'inaktiv' ? 'inaktiv' : reason === 'maxtid' ? 'maxtid' : '1'}`, 303);
  response.headers.set('Clear-Site-Data', '"cookies"');
  return response;
};
