import { sql } from 'kysely';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db } from '#server/platform/database.ts';
import { enqueueMail } from '#server/mail/mail.ts';
import { expiryNoticeMail } from '#server/mail/templates.ts';
import { passwordExpiresAt, passwordExpiresAtSql } from '#server/identity/users.ts';

/**
 * Mails the owners of passwords that expire within one of the notice periods (30, 7
 * and 1 days by default). Each user is claimed by one atomic UPDATE per period, so any
 * number of instances running this at once send each notice once; a user who enters
 * several periods at the same time gets only the nearest one.
 */
export async function sendExpiryNotices(db: Db, config: Config, clock: Clock): Promise<number> {
  const maxAge = config.rules.passwordMaxAgeMonths;
  if (maxAge <= 0) return 0;
  const now = clock.now();
  let sent = 0;
  for (const days of [...config.rules.passwordExpiryNoticeDays].sort((a, b) => a - b)) {
    await db.transaction().execute(async (trx) => {
      const expires = passwordExpiresAtSql(sql.ref('password_changed_at'), maxAge);
      const due = await trx
        .updateTable('app_user')
        .set({ expiry_notice_days: days })
        .where('status', '=', 'active')
        // "Anpassa": a user may turn these reminders off; Mina tjänster still shows the date.
        .where('mail_password_reminders', '=', true)
        .where('password_changed_at', 'is not', null)
        .where(sql<boolean>`${expires} - make_interval(days => ${days}) <= ${now}`)
        .where(sql<boolean>`${expires} > ${now}`)
        .where((eb) => eb.or([eb('expiry_notice_days', 'is', null), eb('expiry_notice_days', '>', days)]))
        .returning(['id', 'email', 'first_name', 'username', 'password_changed_at'])
        .execute();
      for (const user of due) {
        await enqueueMail(trx, user.email, expiryNoticeMail(user, passwordExpiresAt(user.password_changed_at!, maxAge)!, config));
      }
      sent += due.length;
    });
  }
  return sent;
}
