import type { Transporter } from 'nodemailer';
import { sql, type Selectable } from 'kysely';
import { systemClock, type Clock } from '#server/platform/clock.ts';
import type { Db } from '#server/platform/database.ts';
import type { MailOutbox } from '#server/platform/db-types.ts';

export interface SenderOptions {
  from: string;
  clock?: Clock;
  batchSize?: number;
  maxAttempts?: number;
  /** How long a claimed row is the sender's alone; after that another sender may take it. */
  leaseMs?: number;
}

export interface SendResult {
  sent: number;
  retried: number;
  failed: number;
}

const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;
const DEFAULT_LEASE_MS = 10 * 60_000;

/** How long to wait before attempt number `attempts + 1`: doubling from 30 s, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

/** What the `mail_outbox.status` check allows. */
export type MailStatus = 'pending' | 'sent' | 'failed';
export type ClaimedMail = Selectable<MailOutbox> & { locked_until: Date };

/**
 * Claims due rows with a lease: one short statement picks them with `FOR UPDATE SKIP
 * LOCKED`, sets `locked_until` and commits, so no transaction stays open while SMTP
 * works and two senders never claim one row. Rows whose lease ran out (their sender
 * died) are due again.
 */
export async function claimDueMail(db: Db, options: { clock: Clock; batchSize?: number; leaseMs?: number }): Promise<ClaimedMail[]> {
  const now = options.clock.now();
  const lease = new Date(now.getTime() + (options.leaseMs ?? DEFAULT_LEASE_MS));
  const due = db
    .selectFrom('mail_outbox')
    .select('id')
    .where('status', '=', 'pending')
    // Postgres keeps microseconds and a Date milliseconds: a row queued by `now()` earlier in
    // this same millisecond would otherwise look a fraction of it too new to be due.
    .where('send_after', '<', new Date(now.getTime() + 1))
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .orderBy('id')
    .limit(options.batchSize ?? 20)
    .forUpdate()
    .skipLocked();
  const rows = await db.updateTable('mail_outbox').set({ locked_until: lease }).where('id', 'in', due).returningAll().execute();
  return rows.sort((a, b) => a.id - b.id) as ClaimedMail[];
}

/**
 * Sends the mail that is due: claims a batch under a lease, sends outside any
 * transaction, then records each outcome only while the lease is still ours. A failure
 * leaves the row pending with a later `send_after`, so nothing is lost. A sender that
 * outlives its lease may send a mail a second time (at least once, never lost).
 */
export async function sendDueMail(db: Db, transport: Transporter, options: SenderOptions): Promise<SendResult> {
  const clock = options.clock ?? systemClock;
  const maxAttempts = options.maxAttempts ?? 50;
  const result: SendResult = { sent: 0, retried: 0, failed: 0 };
  const due = await claimDueMail(db, { clock, batchSize: options.batchSize, leaseMs: options.leaseMs });
  for (const mail of due) {
    try {
      const info = await transport.sendMail({
        from: options.from,
        to: mail.to_address,
        subject: mail.subject,
        text: mail.text_body,
        html: mail.html_body,
      });
      await db
        .updateTable('mail_outbox')
        .set({ status: 'sent', sent_at: clock.now(), attempts: sql`attempts + 1`, message_id: info.messageId ?? null, last_error: null, locked_until: null })
        .where('id', '=', mail.id)
        .where('locked_until', '=', mail.locked_until)
        .execute();
      result.sent++;
    } catch (error) {
      const attempts = mail.attempts + 1;
      const gaveUp = attempts >= maxAttempts;
      await db
        .updateTable('mail_outbox')
        .set({
          attempts,
          status: gaveUp ? 'failed' : 'pending',
          send_after: new Date(clock.now().getTime() + retryDelayMs(attempts)),
          last_error: error instanceof Error ? error.message.slice(0, 500) : String(error),
          locked_until: null,
        })
        .where('id', '=', mail.id)
        .where('locked_until', '=', mail.locked_until)
        .execute();
      if (gaveUp) result.failed++;
      else result.retried++;
    }
  }
  return result;
}

/** Polls the outbox every `intervalMs` until stopped; a poll never overlaps the previous one. */
export function startOutboxSender(
  db: Db,
  transport: Transporter,
  options: SenderOptions & { intervalMs: number; onError?: (error: unknown) => void },
): { stop(): Promise<void> } {
  let current: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (current || stopped) return;
    current = sendDueMail(db, transport, options)
      .then(
        () => undefined,
        (error) => options.onError?.(error),
      )
      .finally(() => (current = undefined));
  };
  const timer = setInterval(tick, options.intervalMs);
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
