import type { APIRoute } from 'astro';
import { adminOf } from '#web/access.ts';
import { logCsv, logKinds, organisationLogExport } from '#server/organisation/event-log.ts';
import { listUnits } from '#server/organisation/admin.ts';

export const prerender = false;

/**
 * The event log as the page filters it, as CSV for the organisation's own records. The
 * middleware's access table lets only the organisation's administrators reach it; an
 * administratör enhet gets the events about the users of their units, as on the page.
 */
export const GET: APIRoute = async ({ locals, url }) => {
  const actor = adminOf(locals);
  const db = locals.app.db;
  const organisationId = actor.organisationId!;
  const kinds = await logKinds(db, organisationId);
  const person = (url.searchParams.get('person') ?? '').slice(0, 64);
  const kind = kinds.includes(url.searchParams.get('typ') ?? '') ? url.searchParams.get('typ')! : '';
  const units = (await listUnits(db, organisationId)).filter((unit) => actor.orgRole || actor.adminUnits.has(unit.id));
  const unit = units.find((candidate) => candidate.id === Number(url.searchParams.get('enhet')))?.id;
  const rows = await organisationLogExport(db, organisationId, {
    username: person || undefined,
    event: kind || undefined,
    unit,
    units: actor.orgRole ? undefined : actor.adminUnits,
  });
  const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm' }).format(locals.app.clock.now());
  return new Response(logCsv(rows, locals.app.config.authority.name), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="handelselogg-${day}.csv"`,
      'Cache-Control': 'private, no-store',
    },
  });
};
