/**
 * `npm run screenshots`: full-page PNGs of the main pages at 1280 and 390 px wide into
 * docs/screenshots/<name>-<width>.png. Builds when the sources changed (as `npm start`
 * does), runs the demo on its own embedded database in a temporary directory, and drives
 * Chromium through the journeys a person takes. No status link ends up in a file name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const OUT = path.resolve('docs/screenshots');
const WIDTHS = [1280, 390];
const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'gröna äpplen i korgen';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The portal in demo mode, as `npm start` runs it, on a database of its own. */
async function startDemo(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/cli/start.ts'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      APP_MODE: 'demo',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      SMTP_SINK_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the portal did not start:\n${output}`)), 300_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      // The build (when needed) says what it does; pass it on.
      process.stdout.write(chunk);
      if (output.includes('är igång')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the portal exited with ${code}:\n${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function shoot(page: Page, name: string, width: number): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const file = path.join(OUT, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  ${path.relative(process.cwd(), file)}`);
}

/** Opens a page and takes its picture, or says why not (a page another change has not made yet). */
async function visitAndShoot(page: Page, url: string, name: string, width: number): Promise<boolean> {
  const response = await page.goto(url);
  if (!response || response.status() >= 400) {
    console.log(`  (${name}: ${new URL(url).pathname} answered ${response?.status()}, skipped)`);
    return false;
  }
  await shoot(page, name, width);
  return true;
}

async function signIn(page: Page, base: string, username: string): Promise<void> {
  await page.goto(`${base}/logga-in`);
  await page.getByLabel('Användarnamn').fill(username);
  await page.getByLabel('Lösenord', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/logga-in'));
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Logga ut' }).first().click();
  await page.waitForLoadState('load');
}

// One organisation per run (valid check digits): a second application from the same organisation is refused.
const ORGANISATIONS = [
  { number: '556123-4567', name: 'Åkerö Utbildning AB' },
  { number: '559012-3450', name: 'Björkviks Yrkesskola AB' },
];

async function apply(page: Page, base: string, width: number): Promise<void> {
  const applicant = ORGANISATIONS[WIDTHS.indexOf(width)]!;
  await visitAndShoot(page, `${base}/ansok`, 'ansok', width);
  const group = (legend: string) => page.getByRole('group', { name: legend });
  const organisation = group('Organisation');
  await organisation.getByLabel('Organisationsnummer').fill(applicant.number);
  await organisation.getByLabel('Organisationens namn').fill(applicant.name);
  await organisation.getByLabel('Utdelningsadress').fill('Storgatan 1');
  await organisation.getByLabel('Postnummer').fill('111 22');
  await organisation.getByLabel('Ort').fill('Örebro');
  await organisation.getByLabel('Telefon').fill('010-123 45 67');
  await organisation.getByLabel('E-post').fill('info@akero.example');
  await page.getByLabel('Yrkeshögskoleutbildning').check();
  const signatory = group('Fullmaktsgivare');
  await signatory.getByLabel('Förnamn').fill('Göran');
  await signatory.getByLabel('Efternamn').fill('Öst');
  await signatory.getByLabel('Personnummer').fill('19900101-0017');
  await signatory.getByLabel('Befattning').fill('VD');
  const holder = group('Fullmaktshavare');
  await holder.getByLabel('Fullmaktshavaren är samma person som fullmaktsgivaren').check();
  await holder.getByLabel('E-post').fill('goran@akero.example');
  await holder.getByLabel('Telefon').fill('070-123 45 67');
  await page.getByRole('button', { name: 'Fortsätt' }).click();
  await page.waitForURL('**/ansok/kontrollera');
  await shoot(page, 'ansok-kontrollera', width);
  // The proof-of-work check solves itself in the page before the form may be sent.
  await page.waitForFunction(() => (document.querySelector('input[name="altcha"]') as HTMLInputElement | null)?.value, undefined, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Skicka in ansökan' }).click();
  await page.waitForURL(/\/ansok\/status\//);
  await shoot(page, 'ansok-status', width);
}

async function run(context: BrowserContext, base: string, width: number): Promise<void> {
  console.log(`${width} px:`);
  const page = await context.newPage();
  await visitAndShoot(page, `${base}/`, 'start', width);
  await visitAndShoot(page, `${base}/handbok/logga-in`, 'handbok-sida', width);
  await apply(page, base, width);
  await visitAndShoot(page, `${base}/logga-in`, 'logga-in', width);
  await visitAndShoot(page, `${base}/losenordskiosk`, 'losenordskiosk', width);

  await signIn(page, base, 'ds1001');
  await visitAndShoot(page, `${base}/mina-tjanster`, 'mina-tjanster', width);
  for (const [sub, name] of [
    ['', 'organisation'],
    ['/enheter', 'organisation-enheter'],
    ['/anvandare', 'organisation-anvandare'],
    ['/logg', 'organisation-logg'],
    ['/ny-roll', 'organisation-ny-roll'],
  ]) {
    await visitAndShoot(page, `${base}/mina-tjanster/organisation${sub}`, name, width);
  }
  await signOut(page);

  await signIn(page, base, 'hl1001');
  await visitAndShoot(page, `${base}/handlaggning`, 'handlaggning', width);
  await visitAndShoot(page, `${base}/handlaggning/ansokningar`, 'handlaggning-ansokningar', width);
  const detail = page.locator('main a[href^="/handlaggning/ansokningar/"]').first();
  if (await detail.count()) {
    await visitAndShoot(page, new URL((await detail.getAttribute('href'))!, base).href, 'handlaggning-ansokan', width);
  } else {
    console.log('  (handlaggning-ansokan: no application listed, skipped)');
  }
  await signOut(page);
  await page.close();
}

if (!existsSync(CHROME)) {
  console.error(`No Chromium at ${CHROME}: install it (apt-get install chromium) or set CHROME_PATH.`);
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const dataDir = mkdtempSync(path.join(tmpdir(), 'anordnarportalen-screenshots-'));
// Run as root, the embedded cluster runs as `postgres`, which must be able to enter the folder.
chmodSync(dataDir, 0o755);
const portal = await startDemo(dataDir);
const browser = await chromium.launch({ executablePath: CHROME, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  for (const width of WIDTHS) {
    const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1, locale: 'sv-SE', reducedMotion: 'reduce' });
    await run(context, portal.url, width);
    await context.close();
  }
} finally {
  await browser.close();
  const exited = new Promise((resolve) => portal.child.once('exit', resolve));
  portal.child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
