import type { AstroCookies } from 'astro';
import { TICKET_COOKIE, TICKET_LIFETIME_MS } from '#server/kiosk/ticket.ts';
import { sessionCookieName } from '#server/identity/session.ts';

/** A request's cookies and its context, which says whether cookies must be Secure. */
interface CookieJar {
  cookies: AstroCookies;
  locals: App.Locals;
}

/** HttpOnly, SameSite=Lax, and Secure with the __Host- prefix outside development. */
export function setSessionCookie({ cookies, locals }: CookieJar, token: string, absoluteMs: number): void {
  const { secure } = locals.app.config;
  cookies.set(sessionCookieName(secure), token, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: Math.floor(absoluteMs / 1000) });
}

export function clearSessionCookie({ cookies, locals }: CookieJar): void {
  const { secure } = locals.app.config;
  cookies.delete(sessionCookieName(secure), { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

/** The kiosk's step ticket: only the kiosk's own pages ever receive it. */
export function setTicketCookie({ cookies, locals }: CookieJar, token: string): void {
  cookies.set(TICKET_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: locals.app.config.secure,
    path: '/losenordskiosk',
    maxAge: TICKET_LIFETIME_MS / 1000,
  });
}

export const readTicketCookie = (cookies: AstroCookies) => cookies.get(TICKET_COOKIE)?.value;

export function clearTicketCookie({ cookies, locals }: CookieJar): void {
  cookies.delete(TICKET_COOKIE, { path: '/losenordskiosk', httpOnly: true, sameSite: 'strict', secure: locals.app.config.secure });
}

/**
 * A `next` target is followed only when it is a plain path on this site: one leading
 * slash, no backslash, no white space or control character (browsers drop tabs and
 * newlines, which turns `/\t/host` into `//host`), and it must stay on our origin.
 */
export function safeNext(next: string | undefined | null): string | undefined {
  if (!next || next.length > 500 || !next.startsWith('/') || next.startsWith('//')) return undefined;
  if (/[\\\s\p{Cc}\p{Cf}]/u.test(next)) return undefined;
  const base = 'https://portal.invalid';
  const url = new URL(next, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : undefined;
}
