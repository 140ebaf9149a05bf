import { describe, expect, it } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { freshPdfModules } from '../helpers/pdf-modules.ts';
import { sampleApplication } from '../helpers/sample-application.ts';

/**
 * The PDF modules keep shaped words, text heights, subset glyph data and QR codes per
 * process, bounded. A document must not depend on what the process made before: made
 * first after a start, made after other documents filled the caches, and made after the
 * caches overflowed and dropped their oldest entries, it is the same bytes.
 */
const config = parseConfig({});

/** Distinct Swedish-looking words, more than any cache keeps. */
function words(count: number): string[] {
  const syllables = ['ö', 'å', 'ä', 'ka', 'ro', 'sti', 'Ol', 'Ös', 'ne', 'vä', 'gå', 'Ul', 'bi', 'Äm', 'fo', 'Ån'];
  return Array.from({ length: count }, (_, n) => {
    let word = '';
    for (let rest = n + 1; rest > 0; rest = Math.floor(rest / syllables.length)) word += syllables[rest % syllables.length];
    return word;
  });
}

describe('the per-process caches of the PDF documents', () => {
  it('make no difference to any document: cold, warm or overflowed, the same bytes', { timeout: 120_000 }, async () => {
    const application = sampleApplication();
    const letter = {
      letterId: 3,
      createdAt: application.submitted_at,
      firstName: 'Östen',
      lastName: 'Ödman',
      username: 'ab1234',
      recipient: { organisationName: 'Östgöta Yrkesskola AB', unitName: null, postalAddress: 'Östra gatan 3', postalCode: '70211', city: 'Örebro' },
    };
    const make = (pdfs: Awaited<ReturnType<typeof freshPdfModules>>) =>
      Promise.all([pdfs.applicationPdf(application, config), pdfs.undertakingPdf(application, 'YH', config), pdfs.usernameLetterPdf(letter, config)]);

    const cold = await make(await freshPdfModules());

    // Other documents first, then these again.
    const pdfs = await freshPdfModules();
    await pdfs.undertakingPdf({ ...application, org_name: 'Oxelö Orkester HB', signatory: null, enclosedWith: 'roleRequest' }, 'KK', config);
    await pdfs.usernameLetterPdf({ ...letter, firstName: 'Olle', lastName: 'Oskarsson', username: 'o0o0o0' }, config);
    const warm = await make(pdfs);

    // A handbook with more distinct words (9 000) and list items (4 500) than the caches keep (4 000 each).
    const many = words(9000);
    const item = (n: number) => `- ${many[2 * n]} ${many[2 * n + 1]}`;
    const body = Array.from(
      { length: 90 },
      (_, section) => `## Avsnitt ${section}\n\n${Array.from({ length: 50 }, (_, n) => item(section * 50 + n)).join('\n')}\n`,
    ).join('\n');
    await pdfs.handbookPdf([{ id: 'allt', title: 'Ord', description: 'Många ord.', body }], config, application.submitted_at);
    const overflowed = await make(pdfs);

    for (const [index, pdf] of cold.entries()) {
      expect(warm[index].equals(pdf), `document ${index} after other documents`).toBe(true);
      expect(overflowed[index].equals(pdf), `document ${index} after the caches overflowed`).toBe(true);
    }
  });
});
