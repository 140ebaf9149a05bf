import type { Transporter } from 'nodemailer';
import { sql } from 'kysely';
import { systemClock, type Clock } from './clock.ts';
import type { Db } from './database.ts';

export interface SenderOptions {
  from: string;
  clock?: Clock;
  batchSize?: number;
  maxAttempts?: number;
}

export interface SendResult {
  sent: number;
  retried: number;
  failed: number;
}

const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;

/** How long to wait before attempt number `attempts + 1`: doubling from 30 s, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

/**
 * Sends the mail that is due. Rows are claimed with `FOR UPDATE SKIP LOCKED` and the
 * lock is held until the outcome is recorded, so two senders never send one row twice;
 * a failure leaves the row pending with a later `send_after`, so nothing is lost.
 */
export async function sendDueMail(db: Db, transport: Transporter, options: SenderOptions): Promise<SendResult> {
  const clock = options.clock ?? systemClock;
  const maxAttempts = options.maxAttempts ?? 50;
  const result: SendResult = { sent: 0, retried: 0, failed: 0 };
  await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('mail_outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('send_after', '<=', clock.now())
      .orderBy('id')
      .limit(options.batchSize ?? 20)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const mail of due) {
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: mail.to_address,
          subject: mail.subject,
          text: mail.text_body,
          html: mail.html_body,
        });
        await trx
          .updateTable('mail_outbox')
          .set({ status: 'sent', sent_at: clock.now(), attempts: sql`attempts + 1`, message_id: info.messageId ?? null, last_error: null })
          .where('id', '=', mail.id)
          .execute();
        result.sent++;
      } catch (error) {
        const attempts = mail.attempts + 1;
        const gaveUp = attempts >= maxAttempts;
        await trx
          .updateTable('mail_outbox')
          .set({
            attempts,
            status: gaveUp ? 'failed' : 'pending',
            send_after: new Date(clock.now().getTime() + retryDelayMs(attempts)),
            last_error: error instanceof Error ? error.message.slice(0, 500) : String(error),
          })
          .where('id', '=', mail.id)
          .execute();
        if (gaveUp) result.failed++;
        else result.retried++;
      }
    }
  });
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
      .then(() => undefined, (error) => options.onError?.(error))
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
