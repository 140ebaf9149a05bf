import type { Config } from './config.ts';
import type { Db } from './database.ts';
import { enqueueMail, renderMail } from './mail.ts';

export const DEMO_MAILBOX_ADDRESS = 'demo@demoskolan.example';

/**
 * Seeds the demo once per database: later starts find `seed_run` and leave the data
 * as the user left it.
 */
export async function seedDemo(db: Db, config: Config): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('seed_run')
      .values({ name: 'demo' })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    if (!claimed) return false;
    const welcome = renderMail(
      {
        subject: 'Välkommen till Anordnarportalens demoläge',
        greeting: 'Hej!',
        paragraphs: [
          'Det här meddelandet skickades när demodatabasen skapades. Det visar att e-post från portalen går via utkorgen och kommer fram till demobrevlådan.',
          'I demoläget skickas ingen e-post ut på riktigt. Allt som portalen skickar hamnar i demobrevlådan.',
        ],
        action: { label: 'Öppna demobrevlådan', url: new URL('/utveckling/epost', config.publicUrl).href },
      },
      config.authority,
    );
    await enqueueMail(trx, DEMO_MAILBOX_ADDRESS, welcome);
    return true;
  });
}
