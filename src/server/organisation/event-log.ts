import { sql } from 'kysely';
import { catalogue, findArea } from '#server/organisation/catalogue.ts';
import type { Db } from '#server/platform/database.ts';
import { formatDate, formatDateTime } from '#server/platform/format.ts';
import { fetchPage } from '#server/platform/paging.ts';

export const LOG_PAGE_SIZE = 50;
/** The CSV export's ceiling: an organisation's own records, not a bulk download of the audit table. */
export const LOG_EXPORT_MAX = 20_000;

export interface LogFilter {
  username?: string;
  event?: string;
  /** Events about this unit or about people with a role in it. */
  unit?: number;
  page?: number;
  /** An administratör enhet sees the events about users of these units only. */
  units?: ReadonlySet<number>;
}

/**
 * Every kind of event an organisation's log may hold, in the order the filter lists them,
 * each with the name the filter and the CSV use. A kind found in the log but missing here
 * is still offered by the filter (see `logKinds`), under its own label or a plain one.
 */
export const LOG_KINDS: ReadonlyArray<readonly [string, string]> = [
  ['login.succeeded', 'Inloggning'],
  ['login.failed', 'Misslyckad inloggning'],
  ['login.locked', 'Kontot låstes'],
  ['login.unlocked', 'Kontot låstes upp'],
  ['session.ended', 'Utloggning'],
  ['sessions.ended', 'Inloggningar avslutades'],
  ['code.issued', 'Engångslösenord eller kod skickad'],
  ['code.used', 'Kod använd'],
  ['password.changed', 'Lösenordet byttes'],
  ['password.reset', 'Nytt lösenord via kod'],
  ['terms.accepted', 'Villkoren godkändes'],
  ['user.created', 'Användare tillagd'],
  ['user.inactivated', 'Användare inaktiverad'],
  ['user.reactivated', 'Användare aktiverad'],
  ['user.emailChanged', 'E-postadress ändrad'],
  ['roles.changed', 'Roller ändrade'],
  ['orgRole.changed', 'Organisationsroll ändrad'],
  ['organisation.updated', 'Organisationens uppgifter ändrade'],
  ['organisation.confirmed', 'Uppgifterna bekräftade'],
  ['organisation.administered', 'Administration av användare ändrad'],
  ['unit.added', 'Enhet tillagd'],
  ['unit.updated', 'Enhet ändrad'],
  ['unit.merged', 'Enheter sammanslagna'],
  ['unit.split', 'Enhet delad'],
  ['unit.transferProposed', 'Flytt av enhet föreslagen'],
  ['unit.transferDeclined', 'Flytt av enhet avböjd'],
  ['unit.transferWithdrawn', 'Flytt av enhet återkallad'],
  ['unit.transferred', 'Enhet flyttad'],
  ['roleRequest.created', 'Ansökan om ny roll skapad'],
  ['roleRequest.paperReceived', 'Underlag till ny roll mottaget'],
  ['roleRequest.approved', 'Ny roll godkänd'],
  ['roleRequest.rejected', 'Ansökan om ny roll avslagen'],
  ['application.paperReceived', 'Underlag mottaget'],
  ['application.completionRequested', 'Komplettering begärd'],
  ['application.completionReceived', 'Komplettering mottagen'],
  ['application.approved', 'Ansökan godkänd'],
  ['application.rejected', 'Ansökan avslagen'],
  ['letter.printed', 'Brev utskrivet'],
  ['fullmakt.registered', 'Ny fullmakt registrerad'],
  ['organisation.closed', 'Organisationen stängd'],
  ['organisation.reopened', 'Organisationen öppnad igen'],
];
const KIND_LABELS = new Map(LOG_KINDS);

/** The filter's label for a kind; a kind this list does not know is named by the log, not by its key. */
export const kindLabel = (kind: string): string => KIND_LABELS.get(kind) ?? 'Övrig händelse';

/** The kinds the filter offers: every known kind, and any other kind the organisation's log holds. */
export async function logKinds(db: Db, organisationId: number): Promise<string[]> {
  const present = await db.selectFrom('audit_event').select('event').distinct().where('organisation_id', '=', organisationId).execute();
  const known = LOG_KINDS.map(([kind]) => kind);
  return [...known, ...present.map((row) => row.event).filter((kind) => !KIND_LABELS.has(kind))];
}

function filtered(db: Db, organisationId: number, filter: LogFilter) {
  let base = db
    .selectFrom('audit_event')
    .leftJoin('app_user as actor', 'actor.id', 'audit_event.actor_user_id')
    .leftJoin('app_user as subject', 'subject.id', 'audit_event.subject_user_id')
    .where('audit_event.organisation_id', '=', organisationId);
  if (filter.units) {
    const units = [...filter.units];
    if (units.length === 0) return undefined;
    base = base.where('audit_event.subject_user_id', 'in', db.selectFrom('user_unit_role').select('user_id').where('unit_id', 'in', units));
  }
  if (filter.event) base = base.where('audit_event.event', '=', filter.event);
  if (filter.unit) {
    const unit = filter.unit;
    base = base.where((eb) =>
      eb.or([
        eb('audit_event.subject_user_id', 'in', db.selectFrom('user_unit_role').select('user_id').where('unit_id', '=', unit)),
        eb(sql`audit_event.detail->>'unitId'`, '=', String(unit)),
      ]),
    );
  }
  if (filter.username) {
    const name = filter.username.trim().toLowerCase();
    base = base.where((eb) => eb.or([eb.and([eb('actor.username', '=', name), eb('actor.kind', '<>', 'staff')]), eb('subject.username', '=', name)]));
  }
  return base;
}

type Filtered = NonNullable<ReturnType<typeof filtered>>;
const columns = (rows: Filtered) =>
  rows
    .select([
      'audit_event.id',
      'audit_event.at',
      'audit_event.event',
      'audit_event.detail',
      sql<string | null>`case when actor.kind = 'staff' then null else actor.first_name || ' ' || actor.last_name || ' (' || actor.username || ')' end`.as(
        'actor',
      ),
      sql<boolean>`coalesce(actor.kind = 'staff', false)`.as('actor_staff'),
      'actor.org_role as actor_role',
      sql<string | null>`subject.first_name || ' ' || subject.last_name || ' (' || subject.username || ')'`.as('subject'),
      sql<string | null>`subject.first_name || ' ' || subject.last_name`.as('subject_name'),
      sql<string | null>`(select name from unit where unit.id::text = audit_event.detail->>'unitId')`.as('unit_name'),
    ])
    .orderBy('audit_event.at', 'desc')
    .orderBy('audit_event.id', 'desc');

export type LogRow = Awaited<ReturnType<ReturnType<typeof columns>['execute']>>[number];

/**
 * The organisation's audit rows with who did it and to whom, newest first, filtered and
 * paged, as the organisation's administrators read them: a handläggare acted for the
 * authority, so their name and username are left out (`actor` is null and `actor_staff`
 * true) and searching by a handläggare's username finds nothing.
 */
export async function organisationLog(db: Db, organisationId: number, filter: LogFilter): Promise<{ rows: LogRow[]; total: number }> {
  const base = filtered(db, organisationId, filter);
  if (!base) return { rows: [], total: 0 };
  return fetchPage(base, columns, filter.page ?? 1, LOG_PAGE_SIZE);
}

/** Every row the filter finds (up to LOG_EXPORT_MAX), newest first: the CSV export. */
export async function organisationLogExport(db: Db, organisationId: number, filter: LogFilter): Promise<LogRow[]> {
  const base = filtered(db, organisationId, filter);
  if (!base) return [];
  return columns(base).limit(LOG_EXPORT_MAX).execute();
}

const ORG_ROLES: Record<string, string> = { fullmaktshavare: 'Fullmaktshavare', admin_org: 'Administratör organisation' };
const FIELDS: Record<string, string> = {
  name: 'namn',
  postal_address: 'utdelningsadress',
  postal_code: 'postnummer',
  city: 'ort',
  phone: 'telefon',
  email: 'e-post',
  status: 'status',
};
const STATUS: Record<string, string> = { active: 'aktiv', inactive: 'inaktiverad' };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T/;

/** A stored value as a person reads it: ISO times in Swedish time, empty as "tomt". */
function readable(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value).trim();
  if (!text) return 'tomt';
  if (ISO_TIME.test(text) && !Number.isNaN(Date.parse(text))) return formatDateTime(new Date(text));
  if (ISO_DATE.test(text)) return formatDate(new Date(`${text}T12:00:00Z`));
  return text;
}

/** "a", "a och b", "a, b och c". */
export function joinSwedish(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} och ${items.at(-1)}`;
}

/**
 * A stored role list ("Hantera ansökan YH i Enhet A, Administratör enhet i Enhet B" or "–")
 * split back into its roles. Unit names may hold a comma, so a new role starts only where
 * a known role name follows the comma.
 */
export function splitRoles(list: unknown): string[] {
  const text = typeof list === 'string' ? list.trim() : '';
  if (!text || text === '–') return [];
  const names = ['Administratör enhet', ...catalogue().areas.flatMap((area) => area.roles.map((role) => role.name))];
  const parts = text.split(', ');
  const roles: string[] = [];
  for (const part of parts) {
    if (roles.length === 0 || names.some((name) => part.startsWith(`${name} i `))) roles.push(part);
    else roles[roles.length - 1] += `, ${part}`;
  }
  return roles;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const areaNames = (value: unknown) =>
  joinSwedish(
    String(value ?? '')
      .split(/[ ,]+/)
      .filter(Boolean)
      .map((key) => findArea(key)?.name ?? key),
  );

interface Described {
  event: string;
  detail: unknown;
  subject_name?: string | null;
  unit_name?: string | null;
}

/**
 * The event as one Swedish sentence with what it was before and after, for the log page and
 * its CSV. Never the stored keys: an unknown detail is left out rather than shown raw.
 */
export function describeEvent(row: Described, authority: string): string {
  const d = (row.detail ?? {}) as Record<string, unknown>;
  const who = row.subject_name ?? 'en användare';
  const n = (key: string) => Number(d[key] ?? 0) || 0;
  const text = (key: string) => (d[key] === null || d[key] === undefined ? '' : String(d[key]));
  switch (row.event) {
    case 'login.succeeded':
      return `${who} loggade in.`;
    case 'login.failed':
      return row.subject_name ? `Misslyckat inloggningsförsök för ${who}.` : 'Misslyckat inloggningsförsök.';
    case 'login.locked':
      return d.until ? `Kontot för ${who} låstes till ${readable(d.until)} efter för många felaktiga lösenord.` : `Kontot för ${who} låstes.`;
    case 'login.unlocked':
      return d.by === 'support' ? `${authority} låste upp kontot för ${who}.` : `Kontot för ${who} låstes upp med en kod från lösenordskiosken.`;
    case 'session.ended':
      if (d.reason === 'idle') return `${who} loggades ut efter en tid utan aktivitet.`;
      if (d.reason === 'logout') return `${who} loggade ut.`;
      return `${who} avslutade en inloggning.`;
    case 'sessions.ended':
      return `Inloggningarna för ${who} avslutades.`;
    case 'code.issued':
      return d.kind === 'one-time password' ? `Ett engångslösenord skickades till ${who}.` : `En kod för att byta lösenord skickades till ${who}.`;
    case 'code.used':
      return `${who} använde en kod i lösenordskiosken.`;
    case 'password.changed': {
      const first = d.reason === 'first_login' ? `${who} valde sitt första lösenord` : `${who} bytte lösenord`;
      return n('sessionsEnded') > 0 ? `${first}; ${count(n('sessionsEnded'), 'annan inloggning', 'andra inloggningar')} avslutades.` : `${first}.`;
    }
    case 'password.reset':
      return n('sessionsEnded') > 0
        ? `${who} fick ett nytt lösenord med en kod; ${count(n('sessionsEnded'), 'annan inloggning', 'andra inloggningar')} avslutades.`
        : `${who} fick ett nytt lösenord med en kod.`;
    case 'terms.accepted':
      return d.version ? `${who} godkände villkoren (version ${text('version')}).` : `${who} godkände villkoren.`;
    case 'user.created': {
      const role = ORG_ROLES[text('orgRole')];
      const name = d.username ? `${who} med användarnamnet ${text('username')}` : who;
      return role ? `Lade till användaren ${name} som ${role}.` : `Lade till användaren ${name}.`;
    }
    case 'user.inactivated':
      return n('sessionsEnded') > 0
        ? `Inaktiverade ${who}; ${count(n('sessionsEnded'), 'pågående inloggning', 'pågående inloggningar')} avslutades.`
        : `Inaktiverade ${who}.`;
    case 'user.reactivated':
      return `Aktiverade ${who} igen.`;
    case 'user.emailChanged':
      return `Ändrade e-postadressen för ${who} från ${text('before')} till ${text('after')}.`;
    case 'roles.changed':
      return rolesSentence(d, who);
    case 'orgRole.changed': {
      const before = ORG_ROLES[text('before')];
      const after = ORG_ROLES[text('after')];
      if (after && !before) return `Gav ${who} rollen ${after}.`;
      if (before && !after) return `Tog bort rollen ${before} från ${who}.`;
      if (before && after) return `Ändrade organisationsrollen för ${who} från ${before} till ${after}.`;
      return `Ändrade organisationsrollen för ${who}.`;
    }
    case 'organisation.updated':
      return changesSentence('Ändrade organisationens uppgifter', d);
    case 'organisation.confirmed':
      return 'Bekräftade att organisationens och enheternas uppgifter stämmer.';
    case 'organisation.administered':
      return d.administered
        ? `${authority} administrerar från och med nu organisationens användare.`
        : 'Organisationen administrerar från och med nu sina användare själv.';
    case 'unit.added':
      return `Lade till enheten ${text('unit') || row.unit_name || ''}.`;
    case 'unit.updated':
      return changesSentence(row.unit_name ? `Ändrade enheten ${row.unit_name}` : 'Ändrade en enhet', d);
    case 'unit.merged':
      return `Slog ihop ${text('from')} med ${text('into')}. ${count(n('rolesMoved'), 'roll', 'roller')} flyttades till ${text('into')} och ${text('from')} inaktiverades.`;
    case 'unit.split': {
      const moved = n('rolesMoved');
      return moved > 0
        ? `Delade ${text('from')}. Den nya enheten ${text('unit')} fick ${count(moved, 'roll', 'roller')} för ${count(n('usersMoved'), 'användare', 'användare')}.`
        : `Delade ${text('from')}. Den nya enheten ${text('unit')} skapades.`;
    }
    case 'unit.transferProposed':
      return `Föreslog att enheten ${text('unit')} flyttas till ${text('to')}.`;
    case 'unit.transferDeclined':
      return `${text('to')} tackade nej till att ta emot enheten ${text('unit')} från ${text('from')}.`;
    case 'unit.transferWithdrawn':
      return `Förslaget att flytta enheten ${text('unit')} till ${text('to')} återkallades.`;
    case 'unit.transferred':
      return n('rolesEnded') > 0
        ? `Enheten ${text('unit')} flyttades från ${text('from')} till ${text('to')}; ${count(n('rolesEnded'), 'roll', 'roller')} i enheten upphörde.`
        : `Enheten ${text('unit')} flyttades från ${text('from')} till ${text('to')}.`;
    case 'roleRequest.created':
      return `Ansökte om ny roll för ${areaNames(d.areas)} (ärende ${text('reference')}).`;
    case 'roleRequest.paperReceived':
      return `${authority} tog emot underlaget till ärende ${text('reference')}${d.receivedOn ? ` ${readable(d.receivedOn)}` : ''}.`;
    case 'roleRequest.approved':
      return `${authority} godkände ny roll för ${areaNames(d.areas)} (ärende ${text('reference')}).`;
    case 'roleRequest.rejected':
      return `${authority} avslog ansökan om ny roll (ärende ${text('reference')}).`;
    case 'application.paperReceived':
      return `${authority} tog emot underlaget till ansökan ${text('reference')}${d.receivedOn ? ` ${readable(d.receivedOn)}` : ''}.`;
    case 'application.completionRequested':
      return `${authority} begärde komplettering av ansökan ${text('reference')}.`;
    case 'application.completionReceived':
      return `${authority} tog emot kompletteringen av ansökan ${text('reference')}${d.receivedOn ? ` ${readable(d.receivedOn)}` : ''}.`;
    case 'application.approved':
      return `${authority} godkände ansökan ${text('reference')}.`;
    case 'application.rejected':
      return `${authority} avslog ansökan ${text('reference')}.`;
    case 'letter.printed':
      return row.subject_name ? `Ett brev till ${who} skrevs ut.` : 'Ett brev skrevs ut.';
    case 'fullmakt.registered':
      return `${authority} registrerade en ny fullmakt${d.receivedOn ? ` som kom in ${readable(d.receivedOn)}` : ''}. ${who} är nu fullmaktshavare.`;
    case 'organisation.closed':
      return `${authority} stängde organisationen${d.reason ? ` (${text('reason')})` : ''}. ${count(n('users'), 'användare', 'användare')} inaktiverades.`;
    case 'organisation.reopened':
      return `${authority} öppnade organisationen igen. ${count(n('users'), 'användare', 'användare')} aktiverades igen.`;
    default:
      return `${kindLabel(row.event)}.`;
  }
}

/** "Lade till rollen Hantera ansökan KK i Konstlinjen för Lisa Nord. Tog bort rollen …" */
function rolesSentence(d: Record<string, unknown>, who: string): string {
  const before = splitRoles(d.före ?? d.before);
  const after = splitRoles(d.efter ?? d.after);
  const added = after.filter((role) => !before.includes(role));
  const removed = before.filter((role) => !after.includes(role));
  const parts: string[] = [];
  if (added.length) parts.push(`Lade till ${added.length === 1 ? 'rollen' : 'rollerna'} ${joinSwedish(added)} för ${who}.`);
  if (removed.length) parts.push(`Tog bort ${removed.length === 1 ? 'rollen' : 'rollerna'} ${joinSwedish(removed)} från ${who}.`);
  if (!parts.length) parts.push(`Ändrade rollerna för ${who}.`);
  const reason = d.orsak ?? d.reason;
  if (reason === 'enheten flyttades') parts.push('Enheten flyttades till en annan organisation.');
  else if (reason === 'enheten delades') parts.push('Enheten delades.');
  else if (typeof reason === 'string' && reason) parts.push(`Orsaken var att ${reason}.`);
  return parts.join(' ');
}

/** "Ändrade enheten X (ort från Lund till Malmö och telefon från tomt till 010-1)." No colons: nothing reads as key: value. */
function changesSentence(lead: string, d: Record<string, unknown>): string {
  const changes = Object.entries(d)
    .filter(([key, value]) => key in FIELDS && typeof value === 'string' && value.includes(' → '))
    .map(([key, value]) => {
      const [before, after] = String(value).split(' → ');
      const show = (v: string) => (key === 'status' ? (STATUS[v] ?? readable(v)) : readable(v));
      return `${FIELDS[key]} från ${show(before)} till ${show(after)}`;
    });
  return changes.length ? `${lead} (${joinSwedish(changes)}).` : `${lead}.`;
}

/** Who did it, as the log shows it. */
export function actorText(row: Pick<LogRow, 'actor' | 'actor_staff' | 'actor_role'>, authority: string): string {
  if (row.actor_staff) return `${authority}, handläggare`;
  if (!row.actor) return '–';
  return row.actor_role && ORG_ROLES[row.actor_role] ? `${row.actor}, ${ORG_ROLES[row.actor_role]}` : row.actor;
}

const csvCell = (value: string) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replace(/"/g, '""')}"`;

/** The log as CSV for the organisation's own records: UTF-8 with BOM, semicolons, formula-safe cells. */
export function logCsv(rows: LogRow[], authority: string): string {
  const lines = [
    ['Tid', 'Vem', 'Typ av händelse', 'Gäller', 'Händelse'].map(csvCell).join(';'),
    ...rows.map((row) =>
      [formatDateTime(row.at), actorText(row, authority), kindLabel(row.event), row.subject ?? '', describeEvent(row, authority)].map(csvCell).join(';'),
    ),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
