import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TERMS_VERSION } from '#server/identity/terms.ts';
import { DEMO_PASSWORD } from '#server/runtime/seed.ts';
import { collectPageErrors, expectAccessible, expectNoPageErrors, launchBrowser } from '../helpers/browser.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { createMember } from '../helpers/users.ts';

/**
 * Focus indicators measured, not trusted (WCAG 2.2 2.4.7, 2.4.11, 2.4.13): the test tabs
 * through a page, photographs each element focused and unfocused, and counts the pixels
 * whose colour changed by at least 3:1. Those must add up to at least a one-pixel ring
 * round the element, and text inside the focused element must stay readable (4.5:1).
 */

type Rgb = [number, number, number];

function luminance([r, g, b]: Rgb): number {
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function contrast(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

interface Stop {
  /** What was focused, for the failure message: tag, classes, text. */
  name: string;
  kind: 'link' | 'table link' | 'header link' | 'header button' | 'button' | 'input' | 'checkbox' | 'radio' | 'select' | 'textarea' | 'region' | 'other';
  box: { x: number; y: number; width: number; height: number };
  /** A one-pixel ring round each line box of the element: a link that wraps has two. */
  ring: number;
  /** The focused element's text colour and the colour behind it, when it has text. */
  text?: { color: Rgb; background: Rgb };
}

/** In the page: describes document.activeElement. */
function describeFocused(): Stop | null {
  const element = document.activeElement as HTMLElement | null;
  if (!element || element === document.body) return null;
  const parse = (value: string): { rgb: [number, number, number]; alpha: number } => {
    const numbers = value.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
    return { rgb: [numbers[0], numbers[1], numbers[2]], alpha: numbers[3] ?? 1 };
  };
  const backgroundOf = (start: Element): [number, number, number] => {
    for (let node: Element | null = start; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour.alpha > 0.5) return colour.rgb;
    }
    return [255, 255, 255];
  };
  const tag = element.localName;
  const type = (element.getAttribute('type') ?? '').toLowerCase();
  const inHeader = Boolean(element.closest('.site-header'));
  const kind =
    tag === 'a' && element.closest('td, th')
      ? 'table link'
      : tag === 'a' && inHeader
        ? 'header link'
        : tag === 'button' && inHeader
          ? 'header button'
          : tag === 'a'
            ? 'link'
            : tag === 'button'
              ? 'button'
              : tag === 'input' && type === 'checkbox'
                ? 'checkbox'
                : tag === 'input' && type === 'radio'
                  ? 'radio'
                  : tag === 'input'
                    ? 'input'
                    : tag === 'select' || tag === 'textarea'
                      ? tag
                      : element.getAttribute('role') === 'region'
                        ? 'region'
                        : 'other';
  const rect = element.getBoundingClientRect();
  const label = (element.textContent || element.getAttribute('aria-label') || element.getAttribute('name') || '').trim().slice(0, 40);
  const hasText = ['a', 'button', 'summary'].includes(tag) && (element.textContent ?? '').trim() !== '';
  return {
    name: `${tag}${[...element.classList].map((name) => `.${name}`).join('')} "${label}"`,
    kind,
    box: { x: rect.x, y: rect.y, width: rect.width, height: rect.height },
    ring: [...element.getClientRects()].reduce((sum, line) => sum + 2 * (Math.round(line.width) + Math.round(line.height)), 0),
    text: hasText ? { color: parse(getComputedStyle(element).color).rgb, background: backgroundOf(element) } : undefined,
  };
}

const MARGIN = 10;

describe('focus indicators, text spacing, landmarks and the refusal page', () => {
  let t: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  /** A blank page without a Content-Security-Policy, where screenshots are decoded into pixels. */
  let decoder: Page;
  const errors: string[] = [];
  afterEach(() => expectNoPageErrors(errors));

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await freshDatabase();
    server = await startServer({ DATABASE_URL: t.url });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    collectPageErrors(page, errors);
    decoder = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  const signIn = async (username: string, password: string, landing: string) => {
    await page.goto(`${server.url}/logga-in`);
    await page.getByLabel('Användarnamn').fill(username);
    await page.getByLabel('Lösenord', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.waitForURL(`**${landing}`);
  };

  const pixels = async (clip: Stop['box']): Promise<number[]> => {
    const png = await page.screenshot({ clip, animations: 'disabled', caret: 'hide' });
    return decoder.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext('2d')!;
      context.drawImage(bitmap, 0, 0);
      return [...context.getImageData(0, 0, bitmap.width, bitmap.height).data];
    }, png.toString('base64'));
  };

  /** Measures the element that has focus now; leaves it focused for the next Tab. */
  const measure = async (stop: Stop): Promise<string[]> => {
    const problems: string[] = [];
    const viewport = page.viewportSize()!;
    const x = Math.max(0, Math.floor(stop.box.x - MARGIN));
    const y = Math.max(0, Math.floor(stop.box.y - MARGIN));
    const clip = {
      x,
      y,
      width: Math.min(viewport.width, Math.ceil(stop.box.x + stop.box.width + MARGIN)) - x,
      height: Math.min(viewport.height, Math.ceil(stop.box.y + stop.box.height + MARGIN)) - y,
    };
    if (clip.width <= 0 || clip.height <= 0) return [`${stop.name}: focused but not on screen`];
    const focused = await pixels(clip);
    // The same element without focus; focus() afterwards keeps the Tab order where it was.
    const handle = await page.evaluateHandle(() => document.activeElement as HTMLElement);
    await handle.evaluate((element) => element.blur());
    const unfocused = await pixels(clip);
    await handle.evaluate((element) => element.focus({ preventScroll: true }));
    let changed = 0;
    for (let i = 0; i < focused.length; i += 4) {
      const before: Rgb = [unfocused[i], unfocused[i + 1], unfocused[i + 2]];
      const after: Rgb = [focused[i], focused[i + 1], focused[i + 2]];
      if (contrast(before, after) >= 3) changed++;
    }
    // At least as many pixels as a one-pixel ring round the element (round each line of a wrapped link).
    const ring = stop.ring;
    if (changed < ring) problems.push(`${stop.kind} ${stop.name}: ${changed} pixels changed by 3:1 or more, fewer than a ring of ${ring}`);
    if (stop.text) {
      const ratio = contrast(stop.text.color, stop.text.background);
      if (ratio < 4.5) problems.push(`${stop.kind} ${stop.name}: focused text contrast ${ratio.toFixed(2)}:1`);
    }
    return problems;
  };

  /** Tabs through the page from its top, up to `limit` stops, and measures each. */
  const tabThrough = async (limit: number): Promise<{ kinds: Set<string>; problems: string[] }> => {
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0);
    });
    const kinds = new Set<string>();
    const problems: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      const stop = await page.evaluate(describeFocused);
      if (!stop) break;
      const key = `${stop.name}@${Math.round(stop.box.x)},${Math.round(stop.box.y + (await page.evaluate(() => window.scrollY)))}`;
      if (seen.has(key)) break;
      seen.add(key);
      kinds.add(stop.kind);
      problems.push(...(await measure(stop)));
    }
    return { kinds, problems };
  };

  it('shows a contrasting focus indicator on the header, links and the footer of the start page', async () => {
    await page.goto(`${server.url}/`);
    const { kinds, problems } = await tabThrough(40);
    expect(problems).toEqual([]);
    expect([...kinds]).toEqual(expect.arrayContaining(['header link', 'link']));
  });

  it('shows a contrasting focus indicator on every field, checkbox and button of the application form', async () => {
    await page.goto(`${server.url}/ansok`);
    const { kinds, problems } = await tabThrough(80);
    expect(problems).toEqual([]);
    expect([...kinds]).toEqual(expect.arrayContaining(['header link', 'input', 'checkbox', 'button']));
  }, 180_000);

  it('shows a contrasting focus indicator on the header button, the tables and the role grid when signed in', async () => {
    await signIn('ds1001', DEMO_PASSWORD, '/mina-tjanster');
    // The users' section: a search form and a table of links.
    await page.goto(`${server.url}/mina-tjanster/organisation/anvandare`);
    const organisation = await tabThrough(60);
    expect(organisation.problems).toEqual([]);
    expect([...organisation.kinds]).toEqual(expect.arrayContaining(['header link', 'header button', 'table link', 'input', 'button']));
    await page.goto(`${server.url}/mina-tjanster/organisation/anvandare/ny`);
    const addUser = await tabThrough(40);
    expect(addUser.problems).toEqual([]);
    expect([...addUser.kinds]).toEqual(expect.arrayContaining(['input', 'checkbox', 'button']));
  }, 240_000);

  it('clips no text and scrolls no page sideways with the text spacing of WCAG 1.4.12', { timeout: 180_000 }, async () => {
    const spacing = async () => {
      // A constructed style sheet: the page's Content-Security-Policy would refuse a <style> element.
      await page.evaluate(() => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(
          '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } p, li, dd { margin-bottom: 2em !important; }',
        );
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      });
      expect(await page.evaluate(() => getComputedStyle(document.body).wordSpacing)).not.toBe('0px');
    };
    const clipped = () =>
      page.evaluate(() =>
        [...document.body.querySelectorAll<HTMLElement>('*')]
          .filter((element) => {
            if (!element.textContent?.trim() || element.closest('.visually-hidden, .hp, .table-scroll, dialog')) return false;
            const style = getComputedStyle(element);
            const clips = (value: string) => value !== 'visible';
            return (
              (clips(style.overflowY) && element.scrollHeight > element.clientHeight + 1) ||
              (clips(style.overflowX) && element.scrollWidth > element.clientWidth + 1)
            );
          })
          .map((element) => `${element.localName}.${[...element.classList].join('.')}`),
      );
    for (const path of ['/', '/ansok', '/logga-in', '/mina-tjanster', '/mina-tjanster/organisation', '/mina-tjanster/sakerhet']) {
      await page.goto(`${server.url}${path}`);
      await spacing();
      expect(await clipped(), path).toEqual([]);
      // Also at 320 px: no sideways scrolling, and axe again.
      await expectAccessible(page);
      await page.setViewportSize({ width: 320, height: 640 });
      expect(await clipped(), `${path} at 320 px`).toEqual([]);
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('reflows the register and the security page to 320 px', async () => {
    await page.goto(`${server.url}/register`);
    await expectAccessible(page);
    // Signed in afresh: the security page lists this browser's long user agent.
    await page.context().clearCookies();
    await signIn('ds1001', DEMO_PASSWORD, '/mina-tjanster');
    await page.goto(`${server.url}/mina-tjanster/sakerhet`);
    expect(await page.getByRole('table').count()).toBeGreaterThan(0);
    await expectAccessible(page);
  });

  it('names every navigation landmark, and puts the services under their own heading', async () => {
    // A second unit with a role, so that the unit chooser shows.
    const user = await t.db.selectFrom('app_user').select(['id', 'organisation_id']).where('username', '=', 'ds1001').executeTakeFirstOrThrow();
    const unit = await t.db
      .insertInto('unit')
      .values({ organisation_id: user.organisation_id!, name: 'Fokusenheten', is_main: false, created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.insertInto('user_unit_role').values({ user_id: user.id, unit_id: unit.id, role_key: 'YH_ANSOKAN', granted_at: new Date() }).execute();
    await page.goto(`${server.url}/mina-tjanster`);
    await expectAccessible(page);
    const navs = await page
      .locator('nav')
      .evaluateAll((elements) =>
        elements.map(
          (element) => element.getAttribute('aria-label') ?? document.getElementById(element.getAttribute('aria-labelledby') ?? '')?.textContent ?? '',
        ),
      );
    expect(navs.every((name) => name.trim() !== '')).toBe(true);
    expect(new Set(navs).size).toBe(navs.length);
    const headings = await page
      .locator('main h2, main h3:not(.news h3)')
      .evaluateAll((elements) => elements.map((element) => `${element.localName} ${element.textContent?.trim()}`));
    const services = headings.indexOf('h2 Dina tjänster');
    expect(services).toBeGreaterThanOrEqual(0);
    const account = headings.indexOf('h2 Ditt konto');
    // The service cards (h3) come after "Dina tjänster" and before any other h2.
    const cards = headings.filter((heading) => heading.startsWith('h3 '));
    for (const card of cards) {
      const at = headings.indexOf(card);
      const owner = headings
        .slice(0, at)
        .filter((heading) => heading.startsWith('h2 '))
        .at(-1);
      expect(owner, card).toBe('h2 Dina tjänster');
    }
    expect(account).not.toBe(-1);
    // On a phone the unit chooser comes before the services.
    await page.setViewportSize({ width: 320, height: 640 });
    const unitTop = await page.getByLabel('Vald enhet').evaluate((element) => element.getBoundingClientRect().top);
    const servicesTop = await page.getByRole('heading', { name: 'Dina tjänster', level: 2 }).evaluate((element) => element.getBoundingClientRect().top);
    expect(unitTop).toBeLessThan(servicesTop);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('titles the refusal page "Du saknar behörighet", whichever page was refused and however', async () => {
    const expectRefusal = async (path: string) => {
      const response = await page.goto(`${server.url}${path}`);
      expect(response?.status(), path).toBe(403);
      expect(await page.title(), path).toBe('Du saknar behörighet – Anordnarportalen');
      expect(await page.getByRole('heading', { level: 1 }).textContent(), path).toBe('Du saknar behörighet');
    };
    // Refused by the page itself, inside its own layout: a unit of another organisation.
    const other = await createMember(t.db, { username: 'fo0002', password: 'lösenord för fokus', termsVersion: CURRENT_TERMS_VERSION });
    await page.context().clearCookies();
    await signIn('ds1001', DEMO_PASSWORD, '/mina-tjanster');
    await expectRefusal(`/mina-tjanster/organisation/enhet/${other.mainUnitId}`);
    // Still signed in afterwards: the retitled response kept its cookies.
    expect((await page.goto(`${server.url}/mina-tjanster`))?.status()).toBe(200);
    // Refused by the access rules in the middleware: a member with no role in the organisation.
    await createMember(t.db, { username: 'fo0001', password: 'lösenord för fokus', termsVersion: CURRENT_TERMS_VERSION });
    await page.context().clearCookies();
    await signIn('fo0001', 'lösenord för fokus', '/mina-tjanster');
    for (const path of ['/mina-tjanster/organisation', '/mina-tjanster/organisation/anvandare/ny', '/handlaggning']) await expectRefusal(path);
  });
});
