import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import type { Heading } from 'mdast';
import { toString as plainText } from 'mdast-util-to-string';
import { handbookTree } from '#server/handbook/remark.ts';
import { type ApplicationForPdf, applicationPdf, undertakingPdf } from '#server/pdf/application.ts';
import { QR_AREA } from '#server/pdf/document.ts';
import { handbookPdf } from '#server/pdf/handbook.ts';
import { usernameLetterPdf } from '#server/pdf/letter.ts';
import { roleRequestPdf } from '#server/pdf/role-request.ts';
import { sampleApplication } from '../helpers/sample-application.ts';

/** The letter's address block from an organisation's address (no unit). */
const recipientOf = (organisation: { name: string; postalAddress: string; postalCode: string; city: string }) => ({
  organisationName: organisation.name,
  unitName: null,
  postalAddress: organisation.postalAddress,
  postalCode: organisation.postalCode,
  city: organisation.city,
});

/**
 * What a signatory sees on paper, read back with `pdftotext -bbox-layout` (each line of
 * text with its box, in points from the top left) and `pdftoppm` (where the QR code is):
 * no text in the QR code's corner, no heading as the last thing on a page, and each
 * signature on the page of its heading and of the text it signs. For short data and for
 * long names that push the content across pages.
 */
const config = parseConfig({});
const dir = mkdtempSync(path.join(tmpdir(), 'pdf-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}
interface Page {
  height: number;
  /** The lines between the header line and the footer, top to bottom. */
  lines: Line[];
  blocks: Line[];
  /** Whether the QR code's corner is printed on (dark pixels in most of it). */
  hasQr: boolean;
}

const decode = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const box = (attributes: string) => {
  const value = (name: string) => Number(new RegExp(`${name}="([\\d.]+)"`).exec(attributes)?.[1]);
  return { xMin: value('xMin'), yMin: value('yMin'), xMax: value('xMax'), yMax: value('yMax') };
};

/** The share of dark pixels in the QR code's corner of each page, from a 72 dpi greyscale rendering (1 px = 1 pt). */
function qrCoverage(file: string, name: string): number[] {
  const prefix = path.join(dir, `${name}-page`);
  execFileSync('pdftoppm', ['-r', '72', '-gray', file, prefix]);
  return readdirSync(dir)
    .filter((entry) => entry.startsWith(`${name}-page`) && entry.endsWith('.pgm'))
    .sort()
    .map((entry) => {
      const data = readFileSync(path.join(dir, entry));
      // P5 header: magic, width, height, maximum value, each followed by whitespace.
      const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 40).toString('latin1'))!;
      const width = Number(header[1]);
      const pixels = data.subarray(header[0].length);
      let dark = 0;
      let all = 0;
      for (let y = Math.ceil(QR_AREA.yMin); y < Math.floor(QR_AREA.yMax); y++)
        for (let x = Math.ceil(QR_AREA.xMin); x < Math.floor(QR_AREA.xMax); x++, all++) if (pixels[y * width + x] < 128) dark++;
      rmSync(path.join(dir, entry));
      return dark / all;
    });
}

function read(pdf: Buffer, name: string): Page[] {
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const html = execFileSync('pdftotext', ['-enc', 'UTF-8', '-bbox-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const coverage = qrCoverage(file, name);
  return [...html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)].map((page, index) => {
    const height = Number(page[2]);
    const body = (item: Line) => item.yMin > 45 && item.yMax < height - 60;
    const lines: Line[] = [];
    const blocks: Line[] = [];
    for (const block of page[3].matchAll(/<block ([^>]*)>([\s\S]*?)<\/block>/g)) {
      const blockLines = [...block[2].matchAll(/<line ([^>]*)>([\s\S]*?)<\/line>/g)].map((line) => ({
        ...box(line[1]),
        text: [...line[2].matchAll(/<word [^>]*>([^<]*)<\/word>/g)].map((word) => decode(word[1])).join(' '),
      }));
      lines.push(...blockLines.filter(body));
      const whole = { ...box(block[1]), text: blockLines.map((line) => line.text).join(' ') };
      if (body(whole)) blocks.push(whole);
    }
    lines.sort((a, b) => a.yMin - b.yMin || a.xMin - b.xMin);
    return { height, lines, blocks, hasQr: coverage[index] > 0.25 };
  });
}

const intersectsQr = (item: Line) => item.xMax > QR_AREA.xMin && item.xMin < QR_AREA.xMax && item.yMax > QR_AREA.yMin && item.yMin < QR_AREA.yMax;

/** Every heading the documents print, H1 and H2. */
const HEADINGS = [
  'Så skickar ni in ansökan om användarkonto',
  'Så skickar ni in ansökan om ny roll',
  'Det här ska ligga i kuvertet',
  'Skicka kuvertet',
  'Ansökan om användarkonto',
  'Ansökan om ny roll',
  'Ansvarsförbindelse – Yrkeshögskoleutbildning',
  'Ansvarsförbindelse – Konst- och kulturutbildning',
  'Organisation',
  'Organisationens roll mot myndigheten',
  'Fullmaktsgivare',
  'Fullmaktshavare',
  'Fullmakt',
  'Underskrifter',
  'Underskrift',
  'Organisationen åtar sig att',
  'Organisationen ansöker om',
  'Ditt användarnamn i Anordnarportalen',
  'Så loggar du in första gången',
  'Behöver du hjälp?',
];
/** A line that is a heading, or the last line of one that wrapped. */
const isHeading = (text: string, headings = HEADINGS) => headings.some((heading) => heading === text || (text.length > 3 && heading.endsWith(` ${text}`)));

const pageOf = (pages: Page[], text: string) => pages.findIndex((page) => page.lines.some((line) => line.text === text));
const pagesOf = (pages: Page[], text: string) => pages.flatMap((page, index) => page.lines.filter((line) => line.text.startsWith(text)).map(() => index));

const LONG_ORG = 'Östra Norrlands Kommunalförbunds Gemensamma Utbildningsnämnd för Yrkeshögskola och Konst- och Kulturutbildning 2026 AB'; // 120 characters
const long = (length: number) => LONG_ORG.slice(0, length).trim();

/** The application with names of every length, from short to the 120 characters a name may have. */
function variant(length: number): ApplicationForPdf {
  const sample = sampleApplication();
  const longNames = length > 60;
  return {
    ...sample,
    org_name: long(length),
    postal_address: longNames ? 'c/o Kommunalförbundets kansli, Storgatan 123, våning 4, ingång från Östra Kyrkogatan' : sample.postal_address,
    city: longNames ? 'Östersund-Frösön' : sample.city,
    signatory: longNames
      ? {
          ...sample.signatory,
          firstName: 'Maria-Theresia Charlotta',
          lastName: 'Åkerlund-Östergren von Schönberg',
          title: 'Förbundsdirektör och firmatecknare',
        }
      : sample.signatory,
    holder: longNames
      ? { ...sample.holder, firstName: 'Carl-Johan Éric', lastName: 'Ödmark-Ängelholm', email: 'carl-johan.odmark-angelholm@utbildningsnamnden.example.se' }
      : sample.holder,
    areas: ['ET', 'KK', 'YH'],
  };
}

const LENGTHS = [14, 40, 70, 100, 120];

const documents: Array<{ name: string; make: (length: number) => Promise<Buffer>; signs: string[] }> = [
  { name: 'ansokan', make: (length) => applicationPdf(variant(length), config), signs: ['Fullmakt', 'Underskrifter'] },
  { name: 'ansvarsforbindelse-yh', make: (length) => undertakingPdf(variant(length), 'YH', config), signs: ['Organisationen åtar sig att', 'Underskrift'] },
  {
    name: 'ansvarsforbindelse-kk-ny-roll',
    make: (length) => undertakingPdf({ ...variant(length), signatory: null, enclosedWith: 'roleRequest' }, 'KK', config),
    signs: ['Organisationen åtar sig att', 'Underskrift'],
  },
  {
    name: 'ny-roll',
    make: (length) => {
      const data = variant(length);
      const organisation = {
        name: data.org_name,
        orgNumber: data.org_number,
        postalAddress: data.postal_address,
        postalCode: data.postal_code,
        city: data.city,
      };
      return roleRequestPdf({ reference: 'NR-2026-00007', createdAt: data.submitted_at, organisation, areas: ['ET', 'KK', 'YH'] }, config);
    },
    signs: ['Organisationen ansöker om', 'Underskrift'],
  },
  {
    name: 'brev',
    make: (length) => {
      const data = variant(length);
      const organisation = { name: data.org_name, postalAddress: data.postal_address, postalCode: data.postal_code, city: data.city };
      return usernameLetterPdf(
        {
          letterId: 7,
          createdAt: data.submitted_at,
          firstName: data.holder.firstName,
          lastName: data.holder.lastName,
          username: 'ab1234',
          recipient: recipientOf(organisation),
        },
        config,
      );
    },
    signs: [],
  },
];

describe.each(documents)('the printed $name', ({ name, make, signs }) => {
  it.each(LENGTHS)(
    'with a %i-character organisation name keeps its text out of the QR code, ends no page on a heading and keeps each signature with what it signs',
    async (length) => {
      const pages = read(await make(length), `${name}-${length}`);
      expect(pages.length).toBeGreaterThan(0);
      if (name !== 'brev') expect(pages[0].hasQr, 'a QR code on the first page').toBe(true);
      for (const [index, page] of pages.entries()) {
        const where = `${name}, ${length} characters, page ${index + 1}`;
        if (page.hasQr) {
          for (const line of page.lines) expect(intersectsQr(line), `${where}: "${line.text}" runs into the QR code`).toBe(false);
          for (const block of page.blocks) expect(intersectsQr(block), `${where}: the block "${block.text}" runs into the QR code`).toBe(false);
        }
        const last = page.lines.at(-1);
        if (last) expect(isHeading(last.text), `${where} ends on the heading "${last.text}"`).toBe(false);
      }
      if (signs.length) {
        const signatures = pagesOf(pages, 'Namnteckning');
        expect(signatures.length).toBeGreaterThan(0);
        for (const heading of signs) {
          const page = pageOf(pages, heading);
          expect(page, `${name}: the heading ${heading}`).toBeGreaterThanOrEqual(0);
          for (const signature of signatures) expect(signature, `${name}, ${length} characters: a signature away from "${heading}"`).toBe(page);
        }
        for (const caption of ['Ort och datum', 'Namnförtydligande']) expect(pagesOf(pages, caption)).toEqual(signatures);
      }
    },
  );
});

describe('the Ansvarsförbindelse for a new role', () => {
  it('leaves the signatory to be written by hand and is posted with the role request', async () => {
    const pages = read(await undertakingPdf({ ...variant(14), signatory: null, enclosedWith: 'roleRequest' }, 'KK', config), 'ny-roll-text');
    const text = pages.flatMap((page) => page.lines.map((line) => line.text)).join(' ');
    expect(text).not.toMatch(/Fullmaktsgivare: Fullmaktsgivare/);
    expect(text).not.toContain('Göran Öst');
    expect(text).toContain('Namnförtydligande');
    expect(text).toContain('Lägg den underskrivna ansvarsförbindelsen i samma kuvert som ansökan om ny roll AK-2026-00042.');
    expect(text).not.toContain('ansökan om användarkonto');
  });

  it('for an application names its fullmaktsgivare and is posted with the application', async () => {
    const text = read(await undertakingPdf(variant(14), 'YH', config), 'ansokan-text')
      .flatMap((page) => page.lines.map((line) => line.text))
      .join(' ');
    expect(text).toContain('Fullmaktsgivare: Göran Öst');
    expect(text).toContain('i samma kuvert som ansökan om användarkonto AK-2026-00042.');
  });
});

describe('the papers to post', () => {
  it('say where the personal data in them is described', async () => {
    const text = read(await applicationPdf(variant(14), config), 'personuppgifter')
      .flatMap((page) => page.lines.map((line) => line.text))
      .join(' ');
    expect(text).toContain(`Så behandlar vi personuppgifterna i dokumenten: ${new URL('/handbok/personuppgifter', config.publicUrl).href}`);
  });
});

describe('the printed handbook', () => {
  it('ends no page on a heading, over all its pages', async () => {
    const folder = path.join(process.cwd(), 'src/content/handbok');
    const pages = readdirSync(folder)
      .filter((file) => file.endsWith('.md'))
      .sort()
      .map((file) => {
        const [, front, body] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(readFileSync(path.join(folder, file), 'utf8'))!;
        const value = (key: string) => new RegExp(`^${key}: "(.*)"$`, 'm').exec(front)?.[1] ?? '';
        return { id: file.replace('.md', ''), title: value('title'), description: value('description'), body };
      });
    const headings = [
      'Användarhandbok',
      'Innehåll',
      ...pages.map((page) => page.title),
      ...pages.flatMap((page) =>
        handbookTree(page.body)
          .children.filter((node): node is Heading => node.type === 'heading')
          .map((node) => plainText(node)),
      ),
    ];
    const printed = read(await handbookPdf(pages, config, new Date('2026-11-22T10:00:00Z')), 'handbok');
    expect(printed.length).toBeGreaterThan(pages.length);
    for (const [index, page] of printed.entries()) {
      const last = page.lines.at(-1);
      if (last) expect(isHeading(last.text, headings), `page ${index + 1} ends on the heading "${last.text}"`).toBe(false);
    }
  });
});
