import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Db, Tx } from '#server/platform/database.ts';

/** What happened. Never a secret in `detail`: no password, code, token or personnummer. */
export type AuditEventName =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.locked'
  | 'login.unlocked'
  | 'password.changed'
  | 'password.reset'
  | 'code.issued'
  | 'code.used'
  | 'session.ended'
  | 'sessions.ended'
  | 'terms.accepted'
  | (string & {});

/** The shape of `audit_event.detail`: flat, so the log page can list it as key: value. */
export type AuditDetail = Record<string, string | number | boolean | null>;

export interface AuditEntry {
  event: AuditEventName;
  at: Date;
  actorUserId?: number | null;
  subjectUserId?: number | null;
  organisationId?: number | null;
  client?: string;
  detail?: AuditDetail;
}

export type ClientAddressMode = 'truncate' | 'hash';

/**
 * The client address as the log keeps it: IPv4 without its last octet, IPv6 cut to its
 * /48 network, or a hash; enough to see a pattern, not to name a person.
 */
export function auditClient(address: string, mode: ClientAddressMode): string {
  if (mode === 'hash') return createHash('sha256').update(address).digest('base64url').slice(0, 16);
  if (isIPv4(address)) return address.split('.').slice(0, 3).concat('0').join('.');
  if (isIPv6(address)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return auditClient(mapped[1], mode);
    return `${address.split(':').slice(0, 3).join(':')}::/48`;
  }
  return '';
}

export async function recordAudit(db: Db | Tx, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      event: entry.event,
      at: entry.at,
      actor_user_id: entry.actorUserId ?? null,
      subject_user_id: entry.subjectUserId ?? null,
      organisation_id: entry.organisationId ?? null,
      client: entry.client ?? '',
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}

/** A user's own recent security events, newest first. */
export function listUserEvents(db: Db, userId: number, limit = 20) {
  return db
    .selectFrom('audit_event')
    .select(['event', 'at', 'client', 'detail'])
    .where('subject_user_id', '=', userId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Deletes audit rows older than the retention period (AUDIT_RETENTION_MONTHS). */
export async function pruneAudit(db: Db, months: number, now: Date): Promise<number> {
  const before = new Date(now);
  before.setUTCMonth(before.getUTCMonth() - months);
  const result = await db.deleteFrom('audit_event').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
