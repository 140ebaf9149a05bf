import type { AstroGlobal } from 'astro';
import type { AdminActor } from '#server/organisation/policy.ts';
import { decide } from '#server/organisation/policy.ts';
import { db } from '#server/platform/database.ts';
import { loadActor } from '#server/organisation/admin.ts';

/**
 * The guard of the Organisation & användare pages: anonymous → login; signed in but no
 * administrator → 403 with the reason. Returns the actor, or a response / 'forbidden'.
 */
export async function guardAdmin(Astro: AstroGlobal): Promise<Response | { forbidden: string } | AdminActor> {
  const user = Astro.locals.user;
  if (!user) return Astro.redirect(`/logga-in?next=${encodeURIComponent(Astro.url.pathname)}`, 303);
  const actor = await loadActor(db(), user);
  const decision = decide(actor, { kind: 'organisation.view', organisationId: user.organisation_id ?? -1 });
  if (!decision.allowed) {
    Astro.response.status = 403;
    return { forbidden: decision.reason };
  }
  return actor;
}
