import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '#server/platform/context.ts';
import { sessionCookieName, validateSessionWithUser } from '#server/identity/session.ts';

/**
 * `GET /api/session`, the poll every signed-in page makes for the inactivity warning,
 * answered by the front server itself: one statement, no page machinery. It answers as the
 * Astro route does (src/pages/api/session.ts, which keeps the POST that extends the
 * session): the seconds left, or 401 with why there is no session, and the cookie of an
 * ended or unknown session cleared. Asking never counts as activity.
 */
export function sessionStatusHandler(app: AppContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config, db, clock } = app;
  const name = sessionCookieName(config.secure);
  const limits = { idleMs: config.rules.sessionIdleMinutes * 60_000, absoluteMs: config.rules.sessionAbsoluteHours * 3_600_000 };
  const cleared = `${name}=deleted; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${config.secure ? '; Secure' : ''}`;
  return async (req, res) => {
    const token = cookieValue(req.headers.cookie, name);
    const check = token ? await validateSessionWithUser(db, token, limits, clock, false) : { session: null };
    const send = (status: number, body: unknown, clear = false) => {
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
        ...(clear ? { 'Set-Cookie': cleared } : {}),
      });
      res.end(JSON.stringify(body));
    };
    if (!check.session) return send(401, { ended: ('ended' in check && check.ended) || 'none' }, Boolean(token));
    if (check.user.status !== 'active') return send(401, { ended: 'none' });
    const now = clock.now().getTime();
    send(200, {
      idleSeconds: Math.max(0, Math.floor((check.session.idleExpiresAt.getTime() - now) / 1000)),
      absoluteSeconds: Math.max(0, Math.floor((check.session.absoluteExpiresAt.getTime() - now) / 1000)),
    });
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
