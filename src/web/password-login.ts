import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'astro/zod';
import type { AppContext } from '#server/platform/context.ts';
import { auditClient } from '#server/platform/audit.ts';
import { attemptLogin } from '#server/identity/login.ts';
import { MAX_PASSWORD_LENGTH } from '#server/identity/password.ts';
import { mfaRequired } from '#server/identity/second-factor.ts';
import { sessionCookieName } from '#server/identity/session.ts';
import { createTicket } from '#server/kiosk/ticket.ts';
import { ENROL_PAGE, SECOND_STEP_PAGE } from '#web/access.ts';
import { safeNext } from '#web/auth-cookies.ts';
import { sessionLimits } from '#web/request-context.ts';

/**
 * The login form's whole answer, from the typed fields to where the browser goes next. The
 * Astro action `auth.login` runs it, and so does the front server for a plain form post
 * (see loginFormHandler): the login is the one request every user makes, and an argon2
 * verification is most of its cost, so nothing else on its path should be.
 */

// An empty field reaches the schema as null (Astro) or '' (the front server): "required" covers both.
export const loginUsername = z.string({ error: 'error.username.required' }).trim().min(1, 'error.username.required').max(64, 'error.username.required');
export const secretField = (code: string) =>
  z
    .string({ error: code })
    .min(1, code)
    .max(MAX_PASSWORD_LENGTH * 4, 'error.password.tooLong');
// A field people never see; a bot that fills it in is answered like a wrong password.
export const honeypotField = z.string().max(200).optional();

export const loginInput = z.object({
  username: loginUsername,
  password: secretField('error.password.required'),
  next: z.string().max(500).optional(),
  webbplats: honeypotField,
});
export type LoginInput = z.infer<typeof loginInput>;

export type PasswordLoginResult =
  | { kind: 'signedIn'; token: string; to: string }
  /** An expired password opens nothing but the step where a new one is chosen: the kiosk's ticket. */
  | { kind: 'passwordExpired'; ticket: string; to: string }
  | { kind: 'tooMany'; retryAfterSeconds: number }
  | { kind: 'failed' }
  | { kind: 'locked'; until: Date };

export const PASSWORD_EXPIRED_PAGE = '/losenordskiosk/nytt-losenord';

/**
 * One login: the client's limit, the username's attempt, one argon2 verification, and on
 * success the session with its audit row, in two SQL statements (see attemptLogin).
 */
export async function passwordLogin(app: AppContext, input: LoginInput, address: string, userAgent: string): Promise<PasswordLoginResult> {
  const { db, config, clock } = app;
  const client = auditClient(address, config.auditClientAddress);
  const limits = sessionLimits(config);
  const outcome = await attemptLogin(
    db,
    input.username,
    input.webbplats ? `${input.password}\u0000` : input.password,
    { clock, config, client },
    {
      clientLimit: { bucket: 'login-client', key: address, max: config.loginClientLimit, windowMs: 15 * 60_000 },
      session: { limits, meta: { userAgent, client } },
    },
  );
  if (outcome.kind === 'tooMany' || outcome.kind === 'failed' || outcome.kind === 'locked') return outcome;
  // Only where one-time passwords are taken (the kiosk); never on the login form.
  if (outcome.kind === 'oneTimePasswordExpired') return { kind: 'failed' };
  if (outcome.passwordExpired || !outcome.session) {
    return { kind: 'passwordExpired', ticket: await createTicket(db, 'new_password', outcome.user.id, 'expired', clock), to: PASSWORD_EXPIRED_PAGE };
  }
  const destination = safeNext(input.next) ?? (outcome.user.kind === 'staff' ? '/handlaggning' : '/mina-tjanster');
  // The guard would send them there on the next page anyway; straight there saves a hop.
  const step = outcome.hasSecondFactor ? SECOND_STEP_PAGE : mfaRequired(outcome.user, config.rules.mfaRequiredFor) ? ENROL_PAGE : undefined;
  return { kind: 'signedIn', token: outcome.session.token, to: step ? `${step}?tillbaka=${encodeURIComponent(destination)}` : destination };
}

/** The session cookie as Set-Cookie says it: the attributes setSessionCookie gives Astro's cookies. */
export function sessionCookieHeader(secure: boolean, token: string, absoluteMs: number): string {
  return `${sessionCookieName(secure)}=${token}; Max-Age=${Math.floor(absoluteMs / 1000)}; Path=/; HttpOnly${secure ? '; Secure' : ''}; SameSite=Lax`;
}

const LOGIN_PATH = '/logga-in?_action=auth.login';

/**
 * The front server's answer to the login form's plain post (no JavaScript needed): a
 * successful login gets its cookie and its 303 here, without the page machinery. Anything
 * else goes on to Astro untouched (input the schema refuses: Astro's own validation shows
 * it) or with the result in `locals.passwordLogin`, which the action then reports as if it
 * had run the login itself: one attempt, counted once, whichever path took it.
 */
export function loginFormHandler(app: AppContext) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer, toApp: (locals: Pick<App.Locals, 'passwordLogin'>) => void): Promise<boolean> => {
    if (req.method !== 'POST' || req.url !== LOGIN_PATH) return false;
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return false;
    const parsed = loginInput.safeParse(Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    if (!parsed.success) return false;
    // The front server has put the client address resolved through the trusted proxies here.
    const address = String(req.headers['x-forwarded-for'] ?? 'unknown');
    const result = await passwordLogin(app, parsed.data, address, String(req.headers['user-agent'] ?? ''));
    if (result.kind !== 'signedIn') {
      toApp({ passwordLogin: result });
      return true;
    }
    const { secure } = app.config;
    res.writeHead(303, {
      Location: result.to,
      'Set-Cookie': sessionCookieHeader(secure, result.token, sessionLimits(app.config).absoluteMs),
      'Content-Length': 0,
    });
    res.end();
    return true;
  };
}
