import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allRoles, catalogue } from '#server/organisation/catalogue.ts';
import { parseConfig } from '#server/platform/config.ts';
import { ORDER_FORM_DATE, ORDER_FORM_PERSONS, orderFormPdf } from '#server/pdf/order-form.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const config = parseConfig({});

describe('the order form "Beställning av behörighet"', () => {
  const dir = tempDir('order-form');
  afterAll(() => dir.remove());

  it('is a tagged PDF whose text names every role and area of the catalogue, with a column per person and a signature', async () => {
    const pdf = await orderFormPdf(catalogue(), config, ORDER_FORM_DATE);
    const file = path.join(dir.path, 'order.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, ' ');
    for (const role of allRoles()) expect(flat).toContain(role.name);
    for (const area of catalogue().areas) expect(flat).toContain(area.name);
    expect(flat).toContain('Administratör enhet');
    for (let person = 1; person <= ORDER_FORM_PERSONS; person++) expect(flat).toContain(`Person ${person}`);
    expect(flat).toContain('Organisationsnummer');
    expect(flat).toContain('Namnteckning');
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Tagged:\s+yes/);
    expect(info).toMatch(/Title:\s+Beställning av behörighet/);
    const raw = pdf.toString('latin1');
    for (const tag of ['/Table', '/TR', '/TH', '/TD']) expect(raw).toContain(tag);
  });

  it('gives the same bytes for the same catalogue, and names the roles of another catalogue', async () => {
    const first = await orderFormPdf(catalogue(), config, ORDER_FORM_DATE);
    expect((await orderFormPdf(catalogue(), config, ORDER_FORM_DATE)).equals(first)).toBe(true);
    const other = {
      ...catalogue(),
      areas: [
        {
          key: 'XX',
          name: 'Övrig utbildning',
          requiresUndertaking: false,
          roles: [{ key: 'XX_ONE', name: 'Öppna ärenden XX', service: catalogue().services[0].key }],
        },
      ],
    };
    const file = path.join(dir.path, 'other.pdf');
    writeFileSync(file, await orderFormPdf(other, config, ORDER_FORM_DATE));
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Öppna ärenden XX');
    expect(text).toContain('Övrig utbildning');
    expect(text).not.toContain('Hantera ansökan YH');
  });
});
