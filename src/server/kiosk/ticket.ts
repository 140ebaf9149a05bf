import type { Selectable } from 'kysely';
import type { Clock } from '#server/platform/clock.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import type { KioskTicket } from '#server/platform/db-types.ts';
import { newSecretToken, parseSecretToken, secretMatches } from '#server/platform/secret-token.ts';

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

export async function createTicket(db: Db | Tx, step: TicketStep, userId: number | null, reason: TicketReason, clock: Clock): Promise<string> {
  const { id, token, secretHash } = newSecretToken();
  await db
    .insertInto('kiosk_ticket')
    .values({ id, secret_hash: secretHash, step, user_id: userId, reason, expires_at: new Date(clock.now().getTime() + TICKET_LIFETIME_MS) })
    .execute();
  return token;
}

/** The live ticket for `step` that the cookie value names, or undefined. */
export async function readTicket(db: Db | Tx, token: string | undefined, step: TicketStep, clock: Clock): Promise<Ticket | undefined> {
  const parsed = parseSecretToken(token);
  if (!parsed) return undefined;
  const ticket = await db.selectFrom('kiosk_ticket').selectAll().where('id', '=', parsed.id).executeTakeFirst();
  if (!ticket || ticket.step !== step || ticket.used_at || ticket.expires_at <= clock.now()) return undefined;
  return secretMatches(parsed.secret, ticket.secret_hash) ? ticket : undefined;
}

/** Uses a ticket up; false when another request already did. */
export async function consumeTicket(db: Db | Tx, id: string, clock: Clock): Promise<boolean> {
  const row = await db
    .updateTable('kiosk_ticket')
    .set({ used_at: clock.now() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return !!row;
}
