import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE_FILE, loadCatalogue } from '#server/organisation/catalogue.ts';
import { parseConfig } from '#server/platform/config.ts';
import { fullmaktPdf } from '#server/pdf/fullmakt.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const catalogue = loadCatalogue(DEFAULT_CATALOGUE_FILE);
const config = parseConfig({});
const dir = tempDir('fullmakt-pdf');
afterAll(() => dir.remove());

function inspect(pdf: Buffer, name: string) {
  const file = path.join(dir.path, name);
  writeFileSync(file, pdf);
  return {
    info: execFileSync('pdfinfo', [file], { encoding: 'utf8' }),
    text: execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '),
  };
}

describe('the Ny fullmakt form (issue 19, acceptance 6)', () => {
  it('is a tagged PDF whose text names every role of the catalogue, blank and prefilled', async () => {
    const blank = inspect(await fullmaktPdf({ createdAt: new Date('2026-01-01T00:00:00Z') }, catalogue, config), 'blank.pdf');
    const filled = inspect(
      await fullmaktPdf(
        {
          createdAt: new Date('2026-11-25T12:00:00Z'),
          organisation: { name: 'Östra Gymnasiet AB', orgNumber: '5566001235', postalAddress: 'Skolgatan 3', postalCode: '11122', city: 'Örebro' },
        },
        catalogue,
        config,
      ),
      'filled.pdf',
    );
    for (const { info, text } of [blank, filled]) {
      expect(info).toMatch(/Tagged:\s+yes/);
      expect(text).toContain('Ny fullmakt');
      for (const area of catalogue.areas) for (const role of area.roles) expect(text, role.key).toContain(role.name);
    }
    expect(filled.text).toContain('Östra Gymnasiet AB');
    expect(filled.text).toContain('556600-1235');
    expect(blank.text).not.toContain('Östra');
  });

  it('makes the same bytes twice, so the build-time blank form is stable', async () => {
    const form = { createdAt: new Date('2026-01-01T00:00:00Z') };
    expect(Buffer.compare(await fullmaktPdf(form, catalogue, config), await fullmaktPdf(form, catalogue, config))).toBe(0);
  });
});
