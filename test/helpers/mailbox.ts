import { expect } from 'vitest';
import type { Db } from '#server/platform/database.ts';

/** Waits for the newest mail to `to` whose subject matches, as the SMTP sink received it. */
export async function waitForMail(db: Db, to: string, subject: RegExp, after = 0): Promise<{ id: number; text: string }> {
  let found: { id: number; text: string } | undefined;
  await expect
    .poll(
      async () => {
        const rows = await db
          .selectFrom('dev_mailbox')
          .select(['id', 'subject', 'text_body'])
          .where('to_addresses', '=', to)
          .where('id', '>', after)
          .orderBy('id', 'desc')
          .execute();
        const row = rows.find((mail) => subject.test(mail.subject));
        found = row && { id: row.id, text: row.text_body };
        return !!found;
      },
      { timeout: 15_000, interval: 200 },
    )
    .toBe(true);
  return found!;
}
