import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Debian's Chromium, headless; without it the browser suite fails with one line saying what to do. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROME)) {
    throw new Error(`No Chromium at ${CHROME}: install it with "apt-get install -y chromium" (or set CHROME_PATH).`);
  }
  return chromium.launch({
    executablePath: CHROME,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Runs axe-core (WCAG 2.2 A and AA rules and best practices) on the page at its own width
 * and again at 320 CSS pixels, and fails on any violation or if the page at 320 pixels is
 * wider than the window (WCAG 1.4.10 reflow). A wide table scrolling inside its own region
 * is allowed: the document's scroll width does not count it.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await expectNoAxeViolations(page, '');
  const original = page.viewportSize();
  if (!original || original.width <= NARROW.width) return;
  await page.setViewportSize(NARROW);
  try {
    await nextFrame(page);
    const overflow = await page.evaluate(widestElements);
    expect(overflow, `${page.url()} at ${NARROW.width} px is wider than the window (reflow): the widest elements`).toEqual([]);
    await expectNoAxeViolations(page, ` at ${NARROW.width} px`);
  } finally {
    await page.setViewportSize(original);
    await nextFrame(page);
  }
}

const NARROW = { width: 320, height: 640 };

async function nextFrame(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/**
 * In the page: nothing if the document fits the window; otherwise the few elements that
 * reach furthest past its right edge, outside any scrolling region, as "selector: width px".
 */
function widestElements(): string[] {
  const limit = window.innerWidth;
  if (document.documentElement.scrollWidth <= limit) return [];
  const describe = (element: Element): string => {
    const parts: string[] = [];
    for (let node: Element | null = element; node && node !== document.body && parts.length < 4; node = node.parentElement) {
      const classes = [...node.classList]
        .filter((name) => !name.startsWith('astro-'))
        .map((name) => `.${name}`)
        .join('');
      parts.unshift(`${node.localName}${node.id ? `#${node.id}` : ''}${classes}`);
    }
    return parts.join(' > ');
  };
  // Inside a scrolling region, unless it is positioned against something outside the region
  // (an absolutely positioned label escapes a region that is not itself positioned).
  const scrolls = (element: Element): boolean => {
    const position = getComputedStyle(element).position;
    if (position === 'fixed') return false;
    let escaping = position === 'absolute';
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (!escaping && style.overflowX !== 'visible') return true;
      if (escaping && style.position !== 'static') {
        escaping = false;
        if (style.overflowX !== 'visible') return true;
      }
    }
    return false;
  };
  const wide = [...document.body.querySelectorAll('*')]
    // The box, or the text overflowing it (a long word in a narrow paragraph).
    .map((element) => {
      const box = element.getBoundingClientRect();
      const overflowing = getComputedStyle(element).overflowX === 'visible' ? box.left + element.scrollWidth : box.right;
      return { element, right: Math.max(box.right, overflowing) + window.scrollX };
    })
    .filter(({ element, right }) => right > limit + 0.5 && !scrolls(element))
    // The innermost ones name the cause; their ancestors are only wide because of them.
    .filter(({ element, right }, _, all) => !all.some((other) => other.element !== element && element.contains(other.element) && other.right >= right));
  wide.sort((a, b) => b.right - a.right);
  const found = wide.slice(0, 5).map(({ element, right }) => `${describe(element)}: right edge ${Math.round(right)} px`);
  return [`document ${document.documentElement.scrollWidth} px`, ...found];
}

async function expectNoAxeViolations(page: Page, where: string): Promise<void> {
  // Injected through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  const hasAxe = await page.evaluate(() => 'axe' in window);
  if (!hasAxe) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target) }));
  });
  expect(violations, `axe violations on ${page.url()}${where}`).toEqual([]);
}

/** Opens a URL, checks the response status and runs axe on what loaded. */
export async function visit(page: Page, url: string, status = 200): Promise<void> {
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(status);
  await expectAccessible(page);
}

/**
 * Collects what should never happen on our pages: script errors, CSP violations and
 * failed subresources. (A page that is itself a 4xx logs a console error too; its status
 * is checked where it is visited.)
 */
export function collectPageErrors(page: Page, errors: string[] = []): string[] {
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document' && !response.url().endsWith('/api/session')) {
      errors.push(`${response.status()} ${response.url()}`);
    }
  });
  return errors;
}

/**
 * For `afterEach`: fails the test during which a page logged a script error or a CSP
 * violation, and empties the list so the next test starts clean.
 */
export function expectNoPageErrors(errors: string[]): void {
  expect(errors.splice(0), 'script errors, CSP violations or failed subresources').toEqual([]);
}

/** Waits until the proof-of-work check has solved itself and left its payload in the form. */
export async function captchaSolved(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page
          .locator('input[name="altcha"]')
          .inputValue()
          .catch(() => ''),
      { timeout: 15_000 },
    )
    .not.toBe('');
}
