import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, MINUTE } from '#server/platform/clock.ts';
import { parseConfig } from '#server/platform/config.ts';
import { createDb } from '#server/platform/database.ts';
import { enqueueMail, renderMail, smtpTransport } from '#server/mail/mail.ts';
import { claimDueMail, sendDueMail } from '#server/mail/outbox.ts';
import { startSmtpSink } from '#server/runtime/smtp-sink.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/ports.ts';

const { authority } = parseConfig({});
const FROM = 'Anordnarportalen <noreply@portal.example>';
const message = (subject: string) => renderMail({ subject, greeting: 'Hej!', paragraphs: ['Ett test.'] }, authority);

describe('mail outbox', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterEach(async () => {
    await t.db.deleteFrom('mail_outbox').execute();
    await t.db.deleteFrom('dev_mailbox').execute();
  });
  afterAll(() => t.drop());

  it('holds no mail for a change that was rolled back', async () => {
    await expect(
      t.db.transaction().execute(async (trx) => {
        await enqueueMail(trx, 'a@skola.example', message('Rullas tillbaka'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await t.db.selectFrom('mail_outbox').selectAll().execute()).toEqual([]);
  });

  it('keeps mail while SMTP is down and delivers it on a later try', async () => {
    const clock = new ManualClock('2026-03-01T08:00:00Z');
    const port = await freePort();
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
    await enqueueMail(t.db, 'rektor@skola.example', message('Ditt engångslösenord'), clock.now());

    const down = await sendDueMail(t.db, transport, { from: FROM, clock });
    expect(down).toEqual({ sent: 0, retried: 1, failed: 0 });
    const waiting = await t.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting.last_error).toMatch(/ECONNREFUSED/);
    expect(waiting.send_after.getTime()).toBe(clock.now().getTime() + 30_000);

    const sink = await startSmtpSink(t.db, port);
    try {
      // Not yet due: the backoff is respected even though SMTP is back.
      expect(await sendDueMail(t.db, transport, { from: FROM, clock })).toEqual({ sent: 0, retried: 0, failed: 0 });
      clock.advance(MINUTE);
      expect(await sendDueMail(t.db, transport, { from: FROM, clock })).toEqual({ sent: 1, retried: 0, failed: 0 });
    } finally {
      await sink.stop();
    }
    const received = await t.db.selectFrom('dev_mailbox').selectAll().execute();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ subject: 'Ditt engångslösenord', to_addresses: 'rektor@skola.example' });
    expect(received[0].text_body).toContain('Ett test.');
    expect(received[0].html_body).toContain('<p>Ett test.</p>');
    expect(await t.db.selectFrom('mail_outbox').select(['status', 'attempts']).executeTakeFirstOrThrow()).toEqual({ status: 'sent', attempts: 2 });
  });

  it('gives up after the configured number of attempts and keeps the row', async () => {
    const clock = new ManualClock();
    const transport = smtpTransport(`smtp://127.0.0.1:${await freePort()}`);
    await enqueueMail(t.db, 'x@skola.example', message('Går inte fram'), clock.now());
    for (let attempt = 0; attempt < 3; attempt++) {
      await sendDueMail(t.db, transport, { from: FROM, clock, maxAttempts: 3 });
      clock.advance(2 * 60 * MINUTE);
    }
    expect(await t.db.selectFrom('mail_outbox').select(['status', 'attempts']).executeTakeFirstOrThrow()).toEqual({ status: 'failed', attempts: 3 });
  });

  it('sends each mail exactly once when two senders run at the same time', async () => {
    const sink = await startSmtpSink(t.db, 0);
    const url = `smtp://127.0.0.1:${sink.port}`;
    const senders = [createDb(t.url, 2), createDb(t.url, 2)];
    try {
      for (let i = 0; i < 40; i++) await enqueueMail(t.db, `anvandare${i}@skola.example`, message(`Meddelande ${i}`));
      const run = async (index: number) => {
        const transport = smtpTransport(url);
        let sent = 0;
        for (let round = 0; round < 20; round++) sent += (await sendDueMail(senders[index], transport, { from: FROM, batchSize: 3 })).sent;
        transport.close();
        return sent;
      };
      const [first, second] = await Promise.all([run(0), run(1)]);
      expect(first + second).toBe(40);
      // Both took part: the rows were shared out, not sent by one while the other waited.
      expect(first).toBeGreaterThan(0);
      expect(second).toBeGreaterThan(0);
    } finally {
      await Promise.all(senders.map((db) => db.destroy()));
      await sink.stop();
    }
    const subjects = (await t.db.selectFrom('dev_mailbox').select('subject').execute()).map((row) => row.subject);
    expect(subjects).toHaveLength(40);
    expect(new Set(subjects).size).toBe(40);
  });

  it('finds a mail due that was queued in the same millisecond as the claim', async () => {
    const now = new Date();
    await enqueueMail(t.db, 'genast@skola.example', message('Genast'));
    // What `now()` wrote, to the microsecond, is at most the claim's millisecond.
    const [row] = await t.db.selectFrom('mail_outbox').select('send_after').execute();
    const claimedAt = new Date(Math.max(row.send_after.getTime(), now.getTime()));
    expect(await claimDueMail(t.db, { clock: { now: () => claimedAt } })).toHaveLength(1);
  });

  it('holds no transaction open while a slow mail server takes its time', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const arriving = new Promise<void>((resolve) => (arrived = resolve));
    const slow = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // The sender's connection may linger after the test: close it at once.
      closeTimeout: 100,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          arrived();
          void held.then(() => callback());
        });
      },
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', () => resolve()));
    const port = (slow.server.address() as { port: number }).port;
    const sender = createDb(t.url, 2);
    try {
      await enqueueMail(t.db, 'langsam@skola.example', message('Långsam server'));
      const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
      const sending = sendDueMail(sender, transport, { from: FROM });
      await arriving;
      const open = await sql<{ n: string }>`
        select count(*) as n from pg_stat_activity
        where datname = current_database() and state like 'idle in transaction%'`.execute(t.db);
      expect(Number(open.rows[0].n)).toBe(0);
      // The claimed row is leased, not locked: another sender can look at the outbox without waiting.
      const row = await t.db.selectFrom('mail_outbox').select(['status', 'locked_until']).executeTakeFirstOrThrow();
      release();
      expect(await sending).toEqual({ sent: 1, retried: 0, failed: 0 });
      transport.close();
      expect(row.status).toBe('pending');
      expect(row.locked_until).not.toBeNull();
      expect(await t.db.selectFrom('mail_outbox').select(['status', 'locked_until']).executeTakeFirstOrThrow()).toEqual({ status: 'sent', locked_until: null });
    } finally {
      release();
      await sender.destroy();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('reclaims the mail of a sender that died once its lease has run out, exactly once', async () => {
    const clock = new ManualClock('2026-03-01T08:00:00Z');
    const sink = await startSmtpSink(t.db, 0);
    const url = `smtp://127.0.0.1:${sink.port}`;
    const senders = [createDb(t.url, 2), createDb(t.url, 2), createDb(t.url, 2)];
    try {
      await enqueueMail(t.db, 'forlorad@skola.example', message('Avbruten sändning'), clock.now());
      // A sender claims the row and dies before it sends: the row stays leased.
      const claimed = await claimDueMail(senders[0], { clock, leaseMs: 5 * MINUTE });
      expect(claimed).toHaveLength(1);
      const transports = [smtpTransport(url), smtpTransport(url)];
      const runBoth = () => Promise.all([1, 2].map((i) => sendDueMail(senders[i], transports[i - 1], { from: FROM, clock, leaseMs: 5 * MINUTE })));
      expect((await runBoth()).map((result) => result.sent)).toEqual([0, 0]);
      clock.advance(5 * MINUTE + 1);
      const after = await runBoth();
      expect(after[0].sent + after[1].sent).toBe(1);
      expect((await runBoth()).map((result) => result.sent)).toEqual([0, 0]);
      for (const transport of transports) transport.close();
    } finally {
      await Promise.all(senders.map((db) => db.destroy()));
      await sink.stop();
    }
    expect(await t.db.selectFrom('dev_mailbox').select('subject').execute()).toEqual([{ subject: 'Avbruten sändning' }]);
    expect(await t.db.selectFrom('mail_outbox').select(['status', 'attempts']).executeTakeFirstOrThrow()).toEqual({ status: 'sent', attempts: 1 });
  });
});
