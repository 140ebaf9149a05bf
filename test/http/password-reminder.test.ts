import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { cookiesOf, pageText, postForm } from '../helpers/forms.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';

const PASSWORD = 'ett lösenord för påminnelsetesterna';
/** A moment `months` calendar months and a day ago, counted as the portal counts them. */
const monthsAgo = (months: number) => new Date(Temporal.Now.zonedDateTimeISO('Europe/Stockholm').subtract({ months, days: 1 }).epochMilliseconds);

describe('the password reminder on Mina tjänster', () => {
  let t: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, PASSWORD_REMINDER_MONTHS: '6', PASSWORD_MAX_AGE_MONTHS: '12', LOGIN_CLIENT_LIMIT: '1000' });
    await createMember(t.db, { username: 'pa0007', password: PASSWORD, passwordChangedAt: monthsAgo(7), termsVersion: CURRENT_TERMS_VERSION });
    await createMember(t.db, { username: 'pa0005', password: PASSWORD, passwordChangedAt: monthsAgo(5), termsVersion: CURRENT_TERMS_VERSION });
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  const myServices = async (username: string) => {
    const login = await postForm(`${server.url}/logga-in?_action=auth.login`, { username, password: PASSWORD });
    expect(login.status).toBe(303);
    const page = await fetch(`${server.url}/mina-tjanster`, { headers: { Cookie: cookiesOf(login) }, redirect: 'manual' });
    expect(page.status).toBe(200);
    return page.text();
  };

  it('reminds a user whose password is older than PASSWORD_REMINDER_MONTHS, with the month count and a link to change it', async () => {
    const html = await myServices('pa0007');
    const banner = /<p class="notice notice-warning" role="status"[^>]*>[\s\S]*?<\/p>/.exec(html)?.[0] ?? '';
    expect(pageText(banner)).toContain('Ditt lösenord är 7 månader gammalt. Byt gärna till ett nytt. Lösenordet går ut');
    expect(banner).toContain('href="/mina-tjanster/byt-losenord"');
  });

  it('leaves a user with a newer password alone', async () => {
    const html = await myServices('pa0005');
    expect(html).toMatch(/<h1[^>]*>Mina tjänster<\/h1>/);
    expect(html).not.toContain('notice-warning');
    expect(pageText(html)).not.toContain('månader gammalt');
  });
});
