import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#server/platform/config.ts';
import { ADDRESS_BLOCK, spellUsername, usernameLettersPdf, type LetterData } from '#server/pdf/letter.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const config = parseConfig({});
const dir = tempDir('username-letter');
afterAll(() => dir.remove());

const letter = (letterId: number, username: string, organisationName: string): LetterData => ({
  letterId,
  createdAt: new Date('2026-11-22T10:00:00Z'),
  firstName: 'Örjan',
  lastName: 'Ölund',
  username,
  recipient: { organisationName, unitName: 'Filial Luleå', postalAddress: 'Storgatan 10', postalCode: '97231', city: 'Luleå' },
});

/** Each word's box on each page, in points from the page's top left corner. */
function words(file: string): Array<{ page: number; text: string; xMin: number; yMin: number; xMax: number; yMax: number }> {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
  const found = [];
  let page = 0;
  for (const line of html.split('\n')) {
    if (line.includes('<page ')) page++;
    const match = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/.exec(line);
    if (match) found.push({ page, text: match[5], xMin: +match[1], yMin: +match[2], xMax: +match[3], yMax: +match[4] });
  }
  return found;
}

describe('the username letter', () => {
  it('puts the whole address, and only the address, in the window of a C5/E65 envelope, one letter to a page', async () => {
    const file = path.join(dir.path, 'letters.pdf');
    const long = 'Norrbottens Yrkeshögskola och Konstskola i Samverkan Ekonomisk Förening';
    writeFileSync(file, await usernameLettersPdf([letter(1, 'ol1010', long), letter(2, 'io0100', 'Kort AB')], config));
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Pages:\s+2\n/);
    const all = words(file);
    for (const page of [1, 2]) {
      const inWindow = all.filter(
        (word) =>
          word.page === page &&
          word.xMin >= ADDRESS_BLOCK.left - 1 &&
          word.xMax <= ADDRESS_BLOCK.left + ADDRESS_BLOCK.width + 1 &&
          word.yMin >= ADDRESS_BLOCK.top - 1 &&
          word.yMax <= ADDRESS_BLOCK.top + ADDRESS_BLOCK.height + 1,
      );
      const text = inWindow.map((word) => word.text).join(' ');
      expect(text).toContain('Örjan Ölund');
      expect(text).toContain('Filial Luleå Storgatan 10 972 31 Luleå');
      // Nothing else of the letter shows through the window (20–110 mm across, 45–90 mm down).
      const mm = 72 / 25.4;
      const visible = all.filter((word) => word.page === page && word.xMax > 20 * mm && word.xMin < 110 * mm && word.yMax > 45 * mm && word.yMin < 90 * mm);
      expect(visible.length).toBe(inWindow.length);
    }
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain('ol1010');
    expect(text).toContain('io0100');
    expect(text).toContain('Användarnamn · brev 1 · Sida 1 av 1');
    expect(text).toContain('Användarnamn · brev 2 · Sida 1 av 1');
  });

  it('shows the username large and spells it character by character', async () => {
    expect(spellUsername('ol1010')).toBe('bokstaven o, bokstaven l, siffran 1, siffran 0, siffran 1, siffran 0');
    const file = path.join(dir.path, 'one.pdf');
    writeFileSync(file, await usernameLettersPdf([letter(3, 'il1001', 'Kort AB')], config));
    const username = words(file).find((word) => word.text === 'il1001')!;
    expect(username.yMax - username.yMin).toBeGreaterThan(20);
  });

  it('reads ONE_TIME_PASSWORD_DELAY_DAYS as whole days from 0 to 30, 2 when not set', () => {
    expect(config.rules.oneTimePasswordDelayDays).toBe(2);
    expect(parseConfig({ ONE_TIME_PASSWORD_DELAY_DAYS: '0' }).rules.oneTimePasswordDelayDays).toBe(0);
    expect(() => parseConfig({ ONE_TIME_PASSWORD_DELAY_DAYS: '31' })).toThrow(ConfigError);
    expect(() => parseConfig({ ONE_TIME_PASSWORD_DELAY_DAYS: '1.5' })).toThrow(ConfigError);
  });
});
