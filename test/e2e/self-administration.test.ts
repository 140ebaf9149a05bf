import type { Browser, Page } from 'playwright-core';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '#server/identity/password.ts';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { insertUser } from '#server/identity/users.ts';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser, visit } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const PASSWORD = 'en ensam fullmaktshavare';
const BIG_UNITS = 2000;

/**
 * Acceptance 1 and 2 of issue 15: a fullmaktshavare administers her own area roles (never
 * her own administrator rights or account), and the role editor keeps the unit in sight of
 * every checkbox at 320 and 1280 px, by keyboard alone, and in an organisation of 2 000 units.
 */
describe('Self-administration and the role editor', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));
  const ids: Record<string, number> = {};

  const signIn = async (username: string, password: string, viewport = { width: 1280, height: 800 }): Promise<Page> => {
    const page = await (await browser.newContext({ viewport })).newPage();
    page.setDefaultTimeout(10_000);
    collectPageErrors(page, errors);
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL(/\/(mina-tjanster|handlaggning)$/);
    return page;
  };

  const person = async (username: string, organisationId: number, orgRole: 'fullmaktshavare' | null, hash: string) => {
    const now = new Date();
    const user = await insertUser(
      t.db,
      {
        username,
        kind: 'member',
        organisationId,
        firstName: username === 'ensam1' ? 'Eva' : 'Stina',
        lastName: username === 'ensam1' ? 'Ensam' : 'Stor',
        email: `${username}@skola.example`,
        passwordHash: hash,
        passwordChangedAt: now,
        termsVersion: CURRENT_TERMS_VERSION,
      },
      now,
    );
    if (orgRole) await t.db.updateTable('app_user').set({ org_role: orgRole }).where('id', '=', user.id).execute();
    return user.id;
  };
  const organisation = async (name: string, number: string, areas: string[]) => {
    const now = new Date();
    const org = await t.db.insertInto('organisation').values({ org_number: number, name, created_at: now }).returning('id').executeTakeFirstOrThrow();
    await t.db
      .insertInto('organisation_area')
      .values(areas.map((area_key) => ({ organisation_id: org.id, area_key, approved_at: now })))
      .execute();
    const main = await t.db
      .insertInto('unit')
      .values({ organisation_id: org.id, name, is_main: true, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { org: org.id, main: main.id };
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url, LOGIN_CLIENT_LIMIT: '10000' });
    const hash = await hashPassword(PASSWORD);
    const now = new Date();
    // A one-person organisation as the first approval leaves it: YH, its roles on the main unit.
    const alone = await organisation('Ensamskolan AB', '5560009901', ['YH']);
    ids.alone = alone.org;
    ids.aloneMain = alone.main;
    ids.eva = await person('ensam1', alone.org, 'fullmaktshavare', hash);
    await t.db
      .insertInto('user_unit_role')
      .values(['YH_ANSOKAN', 'YH_BEVILJAD', 'YH_STUDIEDOK'].map((role_key) => ({ user_id: ids.eva, unit_id: alone.main, role_key, granted_at: now })))
      .execute();
    // An organisation of 2 000 units.
    const big = await organisation('Storskolan AB', '5560009902', ['YH', 'KK']);
    ids.big = big.org;
    await sql`insert into unit (organisation_id, name, is_main, created_at)
      select ${big.org}, 'Enhet ' || lpad(n::text, 5, '0'), false, ${now} from generate_series(1, ${BIG_UNITS - 2}) as n`.execute(t.db);
    ids.zebra = (
      await t.db.insertInto('unit').values({ organisation_id: big.org, name: 'Zebraskolan Norr', created_at: now }).returning('id').executeTakeFirstOrThrow()
    ).id;
    ids.stina = await person('stor1', big.org, 'fullmaktshavare', hash);
    ids.colleague = await person('stor2', big.org, null, hash);
    await t.db.insertInto('user_unit_role').values({ user_id: ids.colleague, unit_id: big.main, role_key: 'YH_ANSOKAN', granted_at: now }).execute();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  it('lets a one-person organisation apply for KK, get its roles on approval and change her own area roles, never her own rights', async () => {
    const eva = await signIn('ensam1', PASSWORD);
    await eva.goto(`${server.url}/mina-tjanster/organisation/ny-roll`);
    await eva.getByLabel('Konst- och kulturutbildning').check();
    await eva.getByRole('button', { name: 'Ansök om godkännande' }).click();
    await eva.waitForURL(/\/ny-roll\/\d+$/);
    const reference = /NR-\d{4}-\d{5}/.exec((await eva.getByRole('heading', { level: 1 }).textContent()) ?? '')![0];

    const staff = await signIn('hl1001', DEMO_PASSWORD);
    await staff.goto(`${server.url}/handlaggning/roller`);
    await staff.getByRole('link', { name: reference }).click();
    await staff.getByRole('button', { name: 'Registrera mottaget underlag' }).click();
    await staff.waitForURL(/klart=paper/);
    await staff.getByRole('button', { name: 'Godkänn' }).click();
    await staff.waitForURL(/\/godkann$/);
    await staff.getByRole('button', { name: 'Ja, godkänn ansökan' }).click();
    await staff.waitForURL(/klart=approve/);

    // As at the first approval: the new area's roles on the main unit, recorded in the log.
    const held = await t.db.selectFrom('user_unit_role').select(['unit_id', 'role_key']).where('user_id', '=', ids.eva).orderBy('role_key').execute();
    expect(held).toEqual(['KK_ANSOKAN', 'KK_BEVILJAD', 'YH_ANSOKAN', 'YH_BEVILJAD', 'YH_STUDIEDOK'].map((role_key) => ({ unit_id: ids.aloneMain, role_key })));
    const logged = await t.db.selectFrom('audit_event').select('event').where('subject_user_id', '=', ids.eva).where('event', '=', 'roles.changed').execute();
    expect(logged.length).toBe(1);

    // Her own page: her area roles, KK included, to change; nothing that touches her rights or account.
    const own = `${server.url}/mina-tjanster/organisation/anvandare/${ids.eva}`;
    await visit(eva, own);
    const kk = eva.getByRole('checkbox', { name: 'Hantera beviljad utbildning KK i Ensamskolan AB' });
    expect(await kk.isChecked()).toBe(true);
    expect(await eva.getByRole('checkbox', { name: /Administratör/ }).count()).toBe(0);
    for (const offer of ['Inaktivera användaren', 'Skicka nytt engångslösenord', 'Administratör organisation', 'Administratör enhet'])
      expect(await eva.getByText(offer).count(), offer).toBe(0);
    await kk.uncheck();
    await eva.getByRole('button', { name: 'Spara rollerna' }).click();
    await eva.waitForURL(/klart=roller/);
    expect(await eva.getByRole('checkbox', { name: 'Hantera beviljad utbildning KK i Ensamskolan AB' }).isChecked()).toBe(false);
    await eva.getByRole('checkbox', { name: 'Hantera beviljad utbildning KK i Ensamskolan AB' }).check();
    await eva.getByRole('button', { name: 'Spara rollerna' }).click();
    await eva.waitForURL(/klart=roller/);
    expect(await eva.getByRole('checkbox', { name: 'Hantera beviljad utbildning KK i Ensamskolan AB' }).isChecked()).toBe(true);

    // No page offers what the policy refuses, and the pages that would do it say why.
    await visit(eva, `${server.url}/mina-tjanster/organisation/anvandare`);
    expect(await eva.getByText(/Inaktivera/).count()).toBe(0);
    for (const path of ['inaktivera', 'engangslosenord']) {
      await visit(eva, `${own}/${path}`, 403);
      expect(await eva.getByRole('main').textContent()).toContain('Du kan inte');
    }
    expect(await t.db.selectFrom('app_user').select(['status', 'org_role']).where('id', '=', ids.eva).executeTakeFirstOrThrow()).toEqual({
      status: 'active',
      org_role: 'fullmaktshavare',
    });
  });

  for (const width of [320, 1280]) {
    it(`names the unit with every checkbox of the role editor at ${width} px, and works by keyboard alone`, async () => {
      const page = await signIn('stor1', PASSWORD, { width, height: 800 });
      await visit(page, `${server.url}/mina-tjanster/organisation/anvandare/${ids.colleague}`);
      // The unit where the user holds a role comes first.
      const firstLegend = page.locator('form fieldset legend').first();
      expect(await firstLegend.textContent()).toContain('Storskolan AB');
      const boxes = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLInputElement>('input[type="checkbox"][name="roles"]')].map((box) => {
          const legend = box.closest('fieldset')?.querySelector('legend');
          const legendBox = legend?.getBoundingClientRect();
          return {
            label: box.labels?.[0]?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
            legend: legend?.textContent?.trim() ?? '',
            legendVisible: !!legendBox && legendBox.width > 0 && legendBox.left >= 0 && legendBox.right <= window.innerWidth,
            inView: box.getBoundingClientRect().right <= window.innerWidth,
          };
        }),
      );
      expect(boxes.length).toBeGreaterThan(10);
      for (const box of boxes) {
        expect(box.label.endsWith(` i ${box.legend}`), JSON.stringify(box)).toBe(true);
        expect(box.legendVisible && box.inView, JSON.stringify(box)).toBe(true);
      }

      // Keyboard alone: Tab to a box, Space, Tab on to the button, Enter.
      const target = `Hantera ansökan KK i Storskolan AB`;
      const focusedName = () =>
        page.evaluate(() => {
          const active = document.activeElement as HTMLInputElement | null;
          return active?.labels?.[0]?.textContent?.replace(/\s+/g, ' ').trim() ?? active?.textContent?.trim() ?? '';
        });
      await page.locator('body').focus();
      let found = false;
      for (let i = 0; i < 120 && !found; i++) {
        await page.keyboard.press('Tab');
        found = (await focusedName()) === target;
      }
      expect(found, 'reached the checkbox by Tab').toBe(true);
      const visible = await page.evaluate(() => {
        const legend = document.activeElement?.closest('fieldset')?.querySelector('legend')?.getBoundingClientRect();
        return !!legend && legend.bottom > 0 && legend.top < window.innerHeight && legend.left >= 0 && legend.right <= window.innerWidth;
      });
      expect(visible, 'the unit name in sight of the focused checkbox').toBe(true);
      const wanted = width === 320;
      if ((await page.getByRole('checkbox', { name: target }).isChecked()) !== wanted) await page.keyboard.press('Space');
      let onButton = false;
      for (let i = 0; i < 120 && !onButton; i++) {
        await page.keyboard.press('Tab');
        onButton = (await focusedName()) === 'Spara rollerna';
      }
      expect(onButton, 'reached Spara rollerna by Tab').toBe(true);
      await page.keyboard.press('Enter');
      await page.waitForURL(/klart=roller/);
      const kk = await t.db.selectFrom('user_unit_role').select('role_key').where('user_id', '=', ids.colleague).where('role_key', '=', 'KK_ANSOKAN').execute();
      expect(kk.length).toBe(wanted ? 1 : 0);
      await page.context().close();
    });
  }

  it('finds a unit by name among 2 000 in the role editor and gives a role there', async () => {
    const page = await signIn('stor1', PASSWORD);
    await visit(page, `${server.url}/mina-tjanster/organisation/anvandare/${ids.colleague}`);
    expect(await page.getByRole('group', { name: 'Zebraskolan Norr' }).count()).toBe(0);
    await page.getByRole('searchbox', { name: /Sök enhet/ }).fill('zebra');
    await page.getByRole('searchbox', { name: /Sök enhet/ }).press('Enter');
    await page.waitForURL(/enhet=zebra/);
    await expectAccessible(page);
    const zebra = page.getByRole('group', { name: 'Zebraskolan Norr' });
    await zebra.getByRole('checkbox', { name: 'Hantera beviljad utbildning YH i Zebraskolan Norr' }).check();
    await page.getByRole('button', { name: 'Spara rollerna' }).click();
    await page.waitForURL(/klart=roller/);
    const roles = await t.db
      .selectFrom('user_unit_role')
      .select(['unit_id', 'role_key'])
      .where('user_id', '=', ids.colleague)
      .where('unit_id', '=', ids.zebra)
      .execute();
    expect(roles).toEqual([{ unit_id: ids.zebra, role_key: 'YH_BEVILJAD' }]);
    // Now the user holds a role there, the unit is among the first shown.
    await page.goto(`${server.url}/mina-tjanster/organisation/anvandare/${ids.colleague}`);
    expect(await page.getByRole('group', { name: 'Zebraskolan Norr' }).count()).toBe(1);
    await page.context().close();
  });
});
