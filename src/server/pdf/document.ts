import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

/**
 * Tagged, deterministic A4 documents with an embedded font that has å, ä and ö (Inter,
 * OFL), parsed once per process. Text goes into structure elements (headings,
 * paragraphs, figures with alternative text); page numbers and rules are artifacts.
 */
const require = createRequire(import.meta.url);
const fonts = (() => {
  let cache: { regular: unknown; bold: unknown } | undefined;
  return () =>
    (cache ??= {
      regular: fontkit.create(readFileSync(require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'))),
      bold: fontkit.create(readFileSync(require.resolve('@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf'))),
    });
})();

type Struct = ReturnType<PDFKit.PDFDocument['struct']>;

export interface DocumentInfo {
  title: string;
  subject: string;
  author: string;
  /** Fixes the document's dates and file id: the same data gives the same bytes. */
  createdAt: Date;
}

const MARGIN = 56;
const GREY = '#555555';

export class TaggedPdf {
  readonly doc: PDFKit.PDFDocument;
  private readonly root: Struct;
  private readonly chunks: Buffer[] = [];
  /** The authority's name, on every page's header line. */
  private readonly authority: string;

  constructor(info: DocumentInfo) {
    this.authority = info.author;
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, bottom: MARGIN + 20, left: MARGIN, right: MARGIN },
      bufferPages: true,
      tagged: true,
      lang: 'sv-SE',
      displayTitle: true,
      pdfVersion: '1.7',
      info: {
        Title: info.title,
        Subject: info.subject,
        Author: info.author,
        Creator: 'Anordnarportalen',
        Producer: 'Anordnarportalen',
        CreationDate: info.createdAt,
        ModDate: info.createdAt,
      },
    } as PDFKit.PDFDocumentOptions);
    const { regular, bold } = fonts();
    this.doc.registerFont('Regular', regular as never);
    this.doc.registerFont('Bold', bold as never);
    this.doc.font('Regular').fontSize(10.5).fillColor('#000000');
    this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.root = this.doc.struct('Document');
    this.doc.addStructure(this.root);
  }

  private add(tag: string, draw: () => void, options: { alt?: string } = {}): void {
    this.root.add(this.doc.struct(tag, options, draw));
  }

  heading(text: string, level: 1 | 2 = 1): this {
    const size = level === 1 ? 18 : 13;
    this.ensureSpace(level === 1 ? size * 3 : 90);
    this.add(`H${level}`, () =>
      this.doc
        .font('Bold')
        .fontSize(size)
        .text(text, { paragraphGap: level === 1 ? 10 : 4 }),
    );
    this.doc.font('Regular').fontSize(10.5);
    if (level === 2) this.doc.moveDown(0.2);
    return this;
  }

  paragraph(text: string, options: { small?: boolean } = {}): this {
    this.add('P', () =>
      this.doc
        .font('Regular')
        .fontSize(options.small ? 9 : 10.5)
        .fillColor(options.small ? GREY : '#000000')
        .text(text, { paragraphGap: 6 }),
    );
    this.doc.fontSize(10.5).fillColor('#000000');
    return this;
  }

  /** A form field: its label small above, the value below, in one paragraph. */
  field(label: string, value: string): this {
    this.ensureSpace(34);
    this.add('P', () => {
      this.doc.font('Regular').fontSize(8.5).fillColor(GREY).text(label);
      this.doc
        .font('Bold')
        .fontSize(10.5)
        .fillColor('#000000')
        .text(value || '–', { paragraphGap: 5 });
    });
    this.doc.font('Regular');
    return this;
  }

  list(items: string[]): this {
    this.add('L', () => this.doc.font('Regular').fontSize(10.5).list(items, { bulletRadius: 1.5, paragraphGap: 3 }));
    this.doc.moveDown(0.4);
    return this;
  }

  /** Where one person signs: the lines are drawn as artifacts, the captions are text. */
  signatureBlock(who: string): this {
    this.ensureSpace(120);
    this.add('P', () => this.doc.font('Bold').fontSize(10.5).text(who, { paragraphGap: 18 }));
    for (const caption of ['Ort och datum', 'Namnteckning', 'Namnförtydligande']) {
      const y = this.doc.y + 14;
      this.doc.markContent('Artifact', { type: 'Layout' });
      this.doc
        .moveTo(MARGIN, y)
        .lineTo(MARGIN + 260, y)
        .lineWidth(0.7)
        .strokeColor('#000000')
        .stroke();
      this.doc.endMarkedContent();
      this.doc.y = y + 3;
      this.add('P', () => this.doc.font('Regular').fontSize(8.5).fillColor(GREY).text(caption, { paragraphGap: 6 }));
      this.doc.fillColor('#000000');
    }
    this.doc.moveDown(0.6);
    return this;
  }

  /** A QR code of `value`, drawn as vector squares, as a figure with alternative text. */
  qr(value: string, alt: string, size = 70): this {
    const code = QRCode.create(value, { errorCorrectionLevel: 'M' });
    const count = code.modules.size;
    const cell = size / count;
    const x = this.doc.page.width - MARGIN - size;
    const y = MARGIN;
    this.root.add(
      this.doc.struct('Figure', { alt }, () => {
        this.doc.save().fillColor('#000000');
        for (let row = 0; row < count; row++) {
          for (let column = 0; column < count; column++) {
            if (code.modules.data[row * count + column]) this.doc.rect(x + column * cell, y + row * cell, cell, cell);
          }
        }
        this.doc.fill().restore();
      }),
    );
    return this;
  }

  /** Starts a new page and returns its index (0-based). */
  newPage(): number {
    this.doc.addPage();
    return this.pageIndex();
  }

  pageIndex(): number {
    const range = this.doc.bufferedPageRange();
    return range.start + range.count - 1;
  }

  /** A table of contents written onto an earlier, reserved page: title and page number per line. */
  contents(pageIndex: number, title: string, entries: Array<{ title: string; page: number }>): this {
    const current = this.pageIndex();
    this.doc.switchToPage(pageIndex);
    this.doc.x = MARGIN;
    this.doc.y = MARGIN;
    this.heading(title, 1);
    const width = this.doc.page.width - 2 * MARGIN;
    this.root.add(
      this.doc.struct('TOC', {}, () => {
        for (const entry of entries) {
          const y = this.doc.y;
          this.doc
            .font('Regular')
            .fontSize(11)
            .fillColor('#000000')
            .text(entry.title, MARGIN, y, { width: width - 40 });
          this.doc.text(String(entry.page), MARGIN + width - 40, y, { width: 40, align: 'right' });
          this.doc.moveDown(0.4);
        }
      }),
    );
    this.doc.switchToPage(current);
    return this;
  }

  /**
   * Content the caller lays out itself (a position, a width, font features) as one
   * structure element; the default font, size and colour are restored after it.
   */
  custom(tag: string, draw: (doc: PDFKit.PDFDocument) => void): this {
    this.add(tag, () => draw(this.doc));
    this.doc.font('Regular').fontSize(10.5).fillColor('#000000');
    return this;
  }

  ensureSpace(height: number): void {
    if (this.doc.y + height > this.doc.page.height - this.doc.page.margins.bottom) this.doc.addPage();
  }

  /**
   * Numbers the pages ("Sida 1 av 2") and gives each a header line with the authority's
   * name (the document's author) and the service, both as artifacts: they repeat on
   * every page, so a screen reader reads them once, from the document's properties.
   * Several documents in one file (letters printed together) give `sections`: each is
   * numbered on its own from its first page, with its own footer.
   */
  async finish(footer: string, sections: Array<{ firstPage: number; footer: string }> = []): Promise<Buffer> {
    const range = this.doc.bufferedPageRange();
    const parts = sections.length ? sections : [{ firstPage: range.start, footer }];
    for (let index = range.start; index < range.start + range.count; index++) {
      const part = parts.findLastIndex((section) => section.firstPage <= index);
      const first = parts[part]?.firstPage ?? range.start;
      const end = parts[part + 1]?.firstPage ?? range.start + range.count;
      this.doc.switchToPage(index);
      const bottom = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      this.doc.markContent('Artifact', { type: 'Pagination' });
      this.doc
        .font('Bold')
        .fontSize(8.5)
        .fillColor('#000000')
        .text(this.authority, MARGIN, MARGIN - 30, { width: this.doc.page.width - 2 * MARGIN, lineBreak: false, continued: true })
        .font('Regular')
        .fillColor(GREY)
        .text(' · Anordnarportalen', { lineBreak: false });
      this.doc
        .moveTo(MARGIN, MARGIN - 16)
        .lineTo(this.doc.page.width - MARGIN, MARGIN - 16)
        .lineWidth(0.5)
        .strokeColor(GREY)
        .stroke();
      this.doc.endMarkedContent();
      this.doc.markContent('Artifact', { type: 'Pagination' });
      this.doc
        .font('Regular')
        .fontSize(8)
        .fillColor(GREY)
        .text(`${parts[part]?.footer ?? footer} · Sida ${index - first + 1} av ${end - first}`, MARGIN, this.doc.page.height - MARGIN, {
          width: this.doc.page.width - 2 * MARGIN,
          align: 'center',
          lineBreak: false,
        });
      this.doc.endMarkedContent();
      this.doc.page.margins.bottom = bottom;
    }
    this.root.end();
    const done = new Promise<void>((resolve) => this.doc.on('end', () => resolve()));
    this.doc.end();
    await done;
    return Buffer.concat(this.chunks);
  }
}
