import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#server/platform/config.ts';
import { applicationPdf } from '#server/pdf/application.ts';
import { sampleApplication } from '../helpers/sample-application.ts';

describe('the printed documents', () => {
  it('name the configured authority in a header line on every page', async () => {
    const config = parseConfig({ AUTHORITY_NAME: 'Provmyndigheten för sidhuvuden' });
    const pdf = await applicationPdf({ ...sampleApplication(), submitted_at: new Date('2026-11-22T10:00:00Z') }, config);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pdf-header-')), 'a.pdf');
    writeFileSync(file, pdf);
    const pages = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', file, '-'], { encoding: 'utf8' })
      .split('\f')
      .filter((page) => page.trim());
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(page.trim().split('\n')[0]).toMatch(/^Provmyndigheten för sidhuvuden · Anordnarportalen/);
  });
});
