import { sql } from 'kysely';
import type { Clock } from '#server/platform/clock.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import { newSecretToken, parseSecretToken, secretMatches } from '#server/platform/secret-token.ts';
import { hasFactorSql, type User } from '#server/identity/users.ts';

/**
 * Sessions as lucia-auth.com teaches them now: the cookie carries `id.secret`, Postgres
 * keeps the id and a SHA-256 hash of the secret, compared in constant time. A leaked
 * database row cannot be turned into a working cookie.
 */
export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export interface ValidSession {
  id: string;
  userId: number;
  createdAt: Date;
  lastUsedAt: Date;
  /** When inactivity ends the session, and when it ends whatever happens. */
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  /** How the session was authenticated (RFC 8176: pwd, otp, hwk, user, swk). */
  amr: string[];
  /** When a second factor was last shown in this session; null for a password alone. */
  secondFactorAt: Date | null;
}

/** Authentication method references that count as a second factor (or, with `user`, as two). */
const SECOND_FACTOR_AMR = new Set(['otp', 'hwk', 'swk']);

/** True when the session was authenticated with more than a password. */
export const hasSecondFactor = (session: Pick<ValidSession, 'amr'>): boolean => session.amr.some((method) => SECOND_FACTOR_AMR.has(method));

// Touching last_used_at at most this often keeps page views from writing on every request.
const TOUCH_INTERVAL_MS = 5_000;

export type SessionMeta = { userAgent?: string; client?: string; amr?: string[] };

/**
 * A new session's row, its cookie value and what it is once stored: for callers that
 * insert it together with other rows in one statement (the login's session and audit row).
 */
export function newSession(userId: number, clock: Clock, limits: SessionLimits, meta: SessionMeta = {}) {
  const { id, token, secretHash } = newSecretToken();
  const now = clock.now();
  const amr = meta.amr ?? ['pwd'];
  const secondFactorAt = hasSecondFactor({ amr }) ? now : null;
  const row = {
    id,
    user_id: userId,
    secret_hash: secretHash,
    created_at: now,
    last_used_at: now,
    user_agent: (meta.userAgent ?? '').slice(0, 300),
    client: meta.client ?? '',
    amr,
    second_factor_at: secondFactorAt,
  };
  return { token, row, session: withExpiry(row, limits) };
}

/** Creates a session and returns the cookie value, which exists nowhere else. */
export async function createSession(
  db: Db | Tx,
  userId: number,
  clock: Clock,
  limits: SessionLimits,
  meta: SessionMeta = {},
): Promise<{ token: string; session: ValidSession }> {
  const { token, row, session } = newSession(userId, clock, limits, meta);
  await db.insertInto('user_session').values(row).execute();
  return { token, session };
}

/** A step-up: a second factor shown in a live session adds its method to the session's `amr`. */
export async function recordSecondFactor(db: Db | Tx, sessionId: string, methods: string[], clock: Clock): Promise<void> {
  await db
    .updateTable('user_session')
    .set({
      amr: sql`array(select distinct unnest(amr || ${sql.val(methods)}::text[]))`,
      second_factor_at: clock.now(),
    })
    .where('id', '=', sessionId)
    .execute();
}

type SessionRow = { id: string; user_id: number; created_at: Date; last_used_at: Date; amr: string[]; second_factor_at: Date | null };

function withExpiry(row: SessionRow, limits: SessionLimits): ValidSession {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    idleExpiresAt: new Date(row.last_used_at.getTime() + limits.idleMs),
    absoluteExpiresAt: new Date(row.created_at.getTime() + limits.absoluteMs),
    amr: row.amr,
    secondFactorAt: row.second_factor_at,
  };
}

export type SessionCheck = { session: ValidSession } | { session: null; ended?: 'idle' | 'absolute' };

/**
 * Checks a cookie value. `touch` extends the idle limit (a page view does; the
 * session-status poll must not). An expired session is deleted.
 */
export async function validateSession(db: Db, token: string | undefined, limits: SessionLimits, clock: Clock, touch: boolean): Promise<SessionCheck> {
  const parsed = parseSecretToken(token);
  if (!parsed) return { session: null };
  const { id } = parsed;
  const row = await db
    .selectFrom('user_session')
    .select(['id', 'user_id', 'secret_hash', 'created_at', 'last_used_at', 'amr', 'second_factor_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return { session: null };
  if (!secretMatches(parsed.secret, row.secret_hash)) return { session: null };

  const now = clock.now();
  const session = withExpiry(row, limits);
  const ended = now >= session.absoluteExpiresAt ? 'absolute' : now >= session.idleExpiresAt ? 'idle' : undefined;
  if (ended) {
    await deleteSession(db, id);
    return { session: null, ended };
  }
  if (touch && now.getTime() - row.last_used_at.getTime() >= TOUCH_INTERVAL_MS) {
    await db.updateTable('user_session').set({ last_used_at: now }).where('id', '=', id).execute();
    return { session: withExpiry({ ...row, last_used_at: now }, limits) };
  }
  return { session };
}

/** Ends the session a cookie value names, if the value is genuine (RP-initiated logout); the user's id, or undefined. */
export async function endSessionByToken(db: Db, token: string | undefined): Promise<number | undefined> {
  const parsed = parseSecretToken(token);
  if (!parsed) return undefined;
  const row = await db.selectFrom('user_session').select(['id', 'user_id', 'secret_hash']).where('id', '=', parsed.id).executeTakeFirst();
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) return undefined;
  await deleteSession(db, row.id);
  return row.user_id;
}

export type SessionUserCheck =
  | { session: ValidSession; user: User & { has_second_factor: boolean } }
  | { session: null; user?: undefined; ended?: 'idle' | 'absolute' };

/**
 * The middleware's lookup: the session and its user in one statement (a join on the
 * session's primary key), with the same checks and touch as validateSession. A session
 * whose user is gone answers as no session.
 */
export async function validateSessionWithUser(
  db: Db,
  token: string | undefined,
  limits: SessionLimits,
  clock: Clock,
  touch: boolean,
): Promise<SessionUserCheck> {
  const parsed = parseSecretToken(token);
  if (!parsed) return { session: null };
  const { id } = parsed;
  const found = await db
    .selectFrom('user_session as s')
    .innerJoin('app_user as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(hasFactorSql(sql.ref('u.id')).as('has_second_factor'))
    .select([
      's.id as session_id',
      's.secret_hash as session_secret_hash',
      's.created_at as session_created_at',
      's.last_used_at as session_last_used_at',
      's.amr as session_amr',
      's.second_factor_at as session_second_factor_at',
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (!found) return { session: null };
  const { session_id, session_secret_hash, session_created_at, session_last_used_at, session_amr, session_second_factor_at, ...user } = found;
  if (!secretMatches(parsed.secret, session_secret_hash)) return { session: null };
  const row: SessionRow = {
    id: session_id,
    user_id: user.id,
    created_at: session_created_at,
    last_used_at: session_last_used_at,
    amr: session_amr,
    second_factor_at: session_second_factor_at,
  };
  const now = clock.now();
  const session = withExpiry(row, limits);
  const ended = now >= session.absoluteExpiresAt ? 'absolute' : now >= session.idleExpiresAt ? 'idle' : undefined;
  if (ended) {
    await deleteSession(db, id);
    return { session: null, ended };
  }
  if (touch && now.getTime() - row.last_used_at.getTime() >= TOUCH_INTERVAL_MS) {
    await db.updateTable('user_session').set({ last_used_at: now }).where('id', '=', id).execute();
    return { session: withExpiry({ ...row, last_used_at: now }, limits), user };
  }
  return { session, user };
}

/** Extends the idle limit now (the "stay logged in" button). */
export async function touchSession(db: Db, id: string, clock: Clock): Promise<void> {
  await db.updateTable('user_session').set({ last_used_at: clock.now() }).where('id', '=', id).execute();
}

export async function deleteSession(db: Db | Tx, id: string): Promise<void> {
  await db.deleteFrom('user_session').where('id', '=', id).execute();
}

/** Ends one of the user's own sessions (from the security page); false when it is not theirs or gone. */
export async function endOwnSession(
  db: Db,
  user: { id: number; organisation_id: number | null },
  sessionId: string,
  client: string,
  clock: Clock,
): Promise<boolean> {
  const result = await db.deleteFrom('user_session').where('id', '=', sessionId).where('user_id', '=', user.id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) return false;
  await recordAudit(db, {
    event: 'session.ended',
    at: clock.now(),
    actorUserId: user.id,
    subjectUserId: user.id,
    organisationId: user.organisation_id,
    client,
    detail: { reason: 'ended by user' },
  });
  return true;
}

/** Ends every session of a user (password change, reset, inactivation), or all but one. */
export async function deleteUserSessions(db: Db | Tx, userId: number, exceptId?: string): Promise<number> {
  let query = db.deleteFrom('user_session').where('user_id', '=', userId);
  if (exceptId) query = query.where('id', '!=', exceptId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A user's live sessions, newest first, for the page where they can end them. */
export async function listUserSessions(db: Db, userId: number, limits: SessionLimits, clock: Clock): Promise<Array<ValidSession & { userAgent: string }>> {
  const now = clock.now().getTime();
  const rows = await db
    .selectFrom('user_session')
    .select(['id', 'user_id', 'created_at', 'last_used_at', 'user_agent', 'amr', 'second_factor_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows
    .map((row) => ({ ...withExpiry(row, limits), userAgent: row.user_agent }))
    .filter((session) => session.idleExpiresAt.getTime() > now && session.absoluteExpiresAt.getTime() > now);
}

const SESSION_COOKIE = { secure: '__Host-sid', plain: 'sid' } as const;

/** The cookie's name: with `Secure`, the `__Host-` prefix pins it to this host and path /. */
export const sessionCookieName = (secure: boolean) => (secure ? SESSION_COOKIE.secure : SESSION_COOKIE.plain);
