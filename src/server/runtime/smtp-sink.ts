import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Db } from '#server/platform/database.ts';

export interface RunningSink {
  port: number;
  stop(): Promise<void>;
}

const addresses = (field: AddressObject | AddressObject[] | undefined): string =>
  [field ?? []]
    .flat()
    .map((entry) => entry.text)
    .join(', ');

/**
 * The demo mode's mail server: accepts every message on loopback and stores it in
 * `dev_mailbox`, where /utveckling/epost and the tests read it.
 */
export async function startSmtpSink(db: Db, port: number, host = '127.0.0.1'): Promise<RunningSink> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'Anordnarportalen demo mail sink',
    size: 10 * 1024 * 1024,
    logger: false,
    async onData(stream, _session, callback) {
      try {
        const mail = await simpleParser(stream);
        await db
          .insertInto('dev_mailbox')
          .values({
            from_address: addresses(mail.from),
            to_addresses: addresses(mail.to),
            subject: mail.subject ?? '',
            text_body: mail.text ?? '',
            html_body: typeof mail.html === 'string' ? mail.html : null,
            message_id: mail.messageId ?? null,
          })
          .execute();
        callback();
      } catch (error) {
        callback(error instanceof Error ? error : new Error(String(error)));
      }
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
