import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import type { KioskTicket } from '#server/platform/db-types.ts';

/**
 * A step of the password kiosk that an earlier step unlocked: entering the code, or
 * choosing the new password. The browser holds `id.secret` in an HttpOnly cookie;
 * Postgres holds a hash. Tickets are short-lived and single use.
 */
export type TicketStep = 'code' | 'new_password';
export type TicketReason = 'reset' | 'change' | 'first_login' | 'expired';
export type Ticket = Selectable<KioskTicket>;

export const TICKET_LIFETIME_MS = 15 * 60_000;
export const TICKET_COOKIE = 'kiosk';

const hash = (secret: string) => createHash('sha256').update(secret).digest();

export async function createTicket(db: Db | Tx, step: TicketStep, userId: number | null, reason: TicketReason, clock: Clock): Promise<string> {
  const id = randomBytes(15).toString('base64url');
  const secret = randomBytes(24).toString('base64url');
  await db
    .insertInto('kiosk_ticket')
    .values({ id, secret_hash: hash(secret), step, user_id: userId, reason, expires_at: new Date(clock.now().getTime() + TICKET_LIFETIME_MS) })
    .execute();
  return `${id}.${secret}`;
}

/** The live ticket for `step` that the cookie value names, or undefined. */
export async function readTicket(db: Db | Tx, token: string | undefined, step: TicketStep, clock: Clock): Promise<Ticket | undefined> {
  const [id, secret, extra] = (token ?? '').split('.');
  if (!id || !secret || extra !== undefined || id.length > 64 || secret.length > 64) return undefined;
  const ticket = await db.selectFrom('kiosk_ticket').selectAll().where('id', '=', id).executeTakeFirst();
  if (!ticket || ticket.step !== step || ticket.used_at || ticket.expires_at <= clock.now()) return undefined;
  const given = hash(secret);
  return given.length === ticket.secret_hash.length && timingSafeEqual(given, ticket.secret_hash) ? ticket : undefined;
}

/** Uses a ticket up; false when another request already did. */
export async function consumeTicket(db: Db | Tx, id: string, clock: Clock): Promise<boolean> {
  const row = await db.updateTable('kiosk_ticket').set({ used_at: clock.now() }).where('id', '=', id).where('used_at', 'is', null).returning('id').executeTakeFirst();
  return !!row;
}
