import type { APIRoute } from 'astro';
import { sessionLimits } from '#web/request-context.ts';
import { touchSession, type ValidSession } from '#server/identity/session.ts';

export const prerender = false;

function remaining(session: ValidSession, now: Date) {
  return {
    idleSeconds: Math.max(0, Math.floor((session.idleExpiresAt.getTime() - now.getTime()) / 1000)),
    absoluteSeconds: Math.max(0, Math.floor((session.absoluteExpiresAt.getTime() - now.getTime()) / 1000)),
  };
}

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });

/** How long the session has left, as the server counts it. Asking does not extend it. */
export const GET: APIRoute = ({ locals }) => {
  if (!locals.session) return json({ ended: locals.sessionEnded ?? 'none' }, 401);
  return json(remaining(locals.session, locals.app.clock.now()));
};

/** "Fortsätt vara inloggad": counts as activity, so the idle limit starts again. */
export const POST: APIRoute = async ({ locals }) => {
  if (!locals.session) return json({ ended: locals.sessionEnded ?? 'none' }, 401);
  const now = locals.app.clock.now();
  await touchSession(locals.app.db, locals.session.id, locals.app.clock);
  const limits = sessionLimits(locals.app.config);
  return json(remaining({ ...locals.session, idleExpiresAt: new Date(now.getTime() + limits.idleMs) }, now));
};
