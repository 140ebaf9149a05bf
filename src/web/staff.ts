import type { AstroGlobal } from 'astro';

/**
 * The guard of every back-office page: anonymous visitors go to the login page, signed-in
 * people who are not handläggare get 403. Returns a response to send, or undefined.
 */
export function guardStaff(Astro: AstroGlobal): Response | 'forbidden' | undefined {
  const user = Astro.locals.user;
  if (!user) return Astro.redirect(`/logga-in?next=${encodeURIComponent(Astro.url.pathname + Astro.url.search)}`, 303);
  if (user.kind !== 'staff') {
    Astro.response.status = 403;
    return 'forbidden';
  }
  return undefined;
}
