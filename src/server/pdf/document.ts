import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

/**
 * Tagged, deterministic A4 documents with an embedded font that has å, ä and ö (Inter,
 * OFL). Text goes into structure elements (headings, paragraphs, figures with alternative
 * text); page numbers and rules are artifacts.
 */
const require = createRequire(import.meta.url);

type FontkitFont = fontkit.Font & { _glyphs?: object; _layoutEngine?: object };

/**
 * The fonts, parsed once per process: their decoded tables (cmap, GSUB, GPOS, glyf
 * offsets) depend on nothing but the file, and parsing them again costs ~100 ms a document.
 */
const sharedFonts = (() => {
  let cache: { regular: FontkitFont; bold: FontkitFont; files: { regular: Buffer; bold: Buffer } } | undefined;
  return () => {
    if (cache) return cache;
    const files = {
      regular: readFileSync(require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf')),
      bold: readFileSync(require.resolve('@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf')),
    };
    cache = { regular: fontkit.create(files.regular) as FontkitFont, bold: fontkit.create(files.bold) as FontkitFont, files };
    return cache;
  };
})();

/**
 * A font for one document only. A fontkit font caches a glyph object per glyph id together
 * with the code points of whatever first asked for it, and pdfkit writes the PDF's text
 * layer from those cached code points. Subsetting "Ö", a composite of "O" and a diaeresis,
 * asks for the "O" glyph with no code points; shared between documents, that cache took
 * every later capital "O" out of the text layer of every later document ("dalskolan N VA
 * AB"), and the same data stopped giving the same bytes. So each document gets a view of the shared font with its own
 * glyph cache and its own layout engine (whose shaping asks the font for glyphs), over the
 * shared decoded tables. Its shaping and its subset go through per-process caches whose
 * entries depend on the font file and the word alone (`sharedLayout`, `sharedSubset`).
 * Should fontkit's internals ever change shape, the document parses its own font from the
 * bytes: slower, never wrong.
 */
function documentFont(shared: FontkitFont, file: Buffer): FontkitFont {
  const engine = shared._layoutEngine as { constructor: new (font: object) => object } | undefined;
  if (!shared._glyphs || !engine || typeof shared.layout !== 'function') return fontkit.create(file) as FontkitFont;
  const own = Object.create(shared) as FontkitFont;
  // Own properties shadow the shared ones: the cached getter made `_layoutEngine` read-only.
  Object.defineProperty(own, '_glyphs', { value: {}, writable: true });
  Object.defineProperty(own, '_layoutEngine', { value: new engine.constructor(own) });
  Object.defineProperty(own, 'layout', { value: remember(layouts, shared, () => sharedLayout(shared, engine.constructor)) });
  const subset = remember(subsets, shared, () => sharedSubset(shared));
  if (subset) Object.defineProperty(own, 'createSubset', { value: subset });
  return own;
}

/** The value kept in `map` under `key`, made and kept on first use. */
function remember<K, V>(map: { get(key: K): V | undefined; has(key: K): boolean; set(key: K, value: V): unknown }, key: K, make: () => V): V {
  if (map.has(key)) return map.get(key) as V;
  const value = make();
  map.set(key, value);
  return value;
}

/** Each shared font's subsetter with its cache of glyph data, or null where fontkit's own must do. */
const subsets = new WeakMap<FontkitFont, (() => object) | null>();

/** A glyph's entry in a TrueType subset, as fontkit's TTFSubset reads it from the font file. */
interface SubsetGlyph {
  /** Its bytes in the glyf table, shared: a composite's are copied before its components are renumbered. */
  readonly bytes: Uint8Array;
  readonly components: ReadonlyArray<{ readonly glyphID: number; readonly pos: number }>;
  readonly advance: number;
  readonly bearing: number;
}

/**
 * The embedded font subset is what a document costs once its words are shaped: fontkit
 * decodes each glyph it includes from the font file again, for every document. A glyph's
 * bytes, components and metrics depend on the file alone, so they are read once per
 * process; the subset is then put together as fontkit's TTFSubset does (`_addGlyph`, the
 * same bytes), components renumbered in each document's copy. Fonts with variations or CFF
 * outlines, or a fontkit whose subset looks different, keep fontkit's own.
 */
function sharedSubset(shared: FontkitFont): (() => object) | null {
  type TTFSubset = {
    font: FontkitFont & { loca: { offsets: number[] }; _getTableStream(tag: string): { pos: number; readBuffer(length: number): Uint8Array } };
    glyf: Uint8Array[];
    loca: { offsets: number[] };
    hmtx: { metrics: Array<{ advance: number; bearing: number }> };
    offset: number;
    includeGlyph(gid: number): number;
    _addGlyph(gid: number): number;
  };
  const font = shared as TTFSubset['font'] & { _variationProcessor?: unknown; directory?: { tables: Record<string, unknown> } };
  const probe = shared.createSubset() as unknown as Partial<TTFSubset>;
  if (font._variationProcessor || !font.directory?.tables.glyf || typeof probe._addGlyph !== 'function' || !Array.isArray(font.loca?.offsets)) return null;
  const Base = probe.constructor as new (font: object) => TTFSubset;
  // Glyph objects of its own: nothing of the shared font's state is touched.
  const reader = Object.create(shared) as FontkitFont;
  Object.defineProperty(reader, '_glyphs', { value: {}, writable: true });
  const glyphs = new Map<number, SubsetGlyph>();
  const read = (gid: number): SubsetGlyph => {
    // Only what the subset needs is kept, not fontkit's glyph object with its decoded outline.
    reader._glyphs = {};
    const glyph = reader.getGlyph(gid) as unknown as {
      _decode(): { numberOfContours: number; components?: Array<{ glyphID: number; pos: number }> } | null;
      advanceWidth: number;
      _getMetrics(): { leftBearing: number };
    };
    const glyf = glyph._decode();
    const stream = font._getTableStream('glyf');
    stream.pos += font.loca.offsets[gid];
    const bytes = stream.readBuffer(font.loca.offsets[gid + 1] - font.loca.offsets[gid]);
    const components = glyf && glyf.numberOfContours < 0 ? (glyf.components ?? []).map(({ glyphID, pos }) => ({ glyphID, pos })) : [];
    return { bytes, components, advance: glyph.advanceWidth, bearing: glyph._getMetrics().leftBearing };
  };
  class Subset extends Base {
    override _addGlyph(gid: number): number {
      const glyph = remember(glyphs, gid, () => read(gid));
      let bytes = glyph.bytes;
      if (glyph.components.length) {
        bytes = new Uint8Array(bytes);
        const view = new DataView(bytes.buffer);
        for (const component of glyph.components) view.setUint16(component.pos, this.includeGlyph(component.glyphID));
      }
      this.glyf.push(bytes);
      this.loca.offsets.push(this.offset);
      this.hmtx.metrics.push({ advance: glyph.advance, bearing: glyph.bearing });
      this.offset += bytes.length;
      return this.glyf.length - 1;
    }
  }
  return function createSubset(this: FontkitFont) {
    return new Subset(this);
  };
}

/** A glyph as pdfkit reads it from a layout: its id, its width and the text it stands for. */
interface LaidOutGlyph {
  readonly id: number;
  readonly advanceWidth: number;
  readonly codePoints: readonly number[];
}
type Position = { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number };
/** A shaped run as fontkit returns it, kept unscaled and never handed out itself. */
interface SharedRun {
  readonly glyphs: readonly LaidOutGlyph[];
  readonly positions: readonly Readonly<Position>[];
  readonly script: string;
  readonly language: string | null;
  readonly direction: string;
  readonly features: Readonly<Record<string, boolean>>;
}

/** Each shared font's layout with its cache of shaped words, made on first use. */
const layouts = new WeakMap<FontkitFont, ReturnType<typeof sharedLayout>>();

/** Runs kept per font; at the bound the oldest go (a cached run equals a new one, so only time is lost). */
const LAYOUT_CACHE_SIZE = 4000;

/**
 * Shaping (Inter's GSUB and GPOS: contextual alternates, kerning) is what a document
 * costs: pdfkit shapes each word once per document to measure it and to draw it, and
 * every document has the same words. So a font's shaped words are kept per process,
 * keyed by the word and its font features, and each document gets a copy (pdfkit scales
 * the positions it gets in place).
 *
 * A run must depend on its word alone: the glyphs in it are plain records of id, width
 * and code points, and the glyph cache of the font that shapes them is emptied before
 * each word, so the code points are those of this word's shaping and never those of
 * whatever asked for the glyph first (see `documentFont`). pdfkit writes a document's
 * text layer from the first glyph it draws for each id; the same document's words give
 * the same runs in every process, so the same bytes.
 */
function sharedLayout(shared: FontkitFont, Engine: new (font: object) => object) {
  const shaper = Object.create(shared) as FontkitFont;
  Object.defineProperty(shaper, '_glyphs', { value: {}, writable: true });
  const engine = new Engine(shaper) as { layout(text: string, features?: string[]): SharedRun };
  Object.defineProperty(shaper, '_layoutEngine', { value: engine });
  const runs = new Map<string, SharedRun>();
  // A run's parts recur in other runs: one frozen object each, so that a run costs little
  // more than its arrays. There are as many as the font has glyphs, advances and kerning values.
  const parts = new Map<string, object>();
  const part = <T extends object>(key: string, make: () => T): T => remember(parts, key, () => Object.freeze(make())) as T;
  const shape = (text: string, features: string[] | undefined): SharedRun => {
    shaper._glyphs = {};
    const run = engine.layout(text, features ? [...features] : undefined);
    return Object.freeze({
      glyphs: run.glyphs.map(({ id, advanceWidth, codePoints }) =>
        part(`g${id} ${codePoints}`, () => ({ id, advanceWidth, codePoints: Object.freeze([...codePoints]) })),
      ),
      positions: run.positions.map(({ xAdvance, yAdvance, xOffset, yOffset }) =>
        part(`p${xAdvance} ${yAdvance} ${xOffset} ${yOffset}`, () => ({ xAdvance, yAdvance, xOffset, yOffset })),
      ),
      script: run.script,
      language: run.language,
      direction: run.direction,
      features: part(`f${Object.entries(run.features)}`, () => ({ ...run.features })),
    });
  };
  return function layout(this: FontkitFont, text: unknown, features?: unknown, ...rest: unknown[]) {
    // Only what pdfkit asks (a string, no features or a list of them) is kept; anything else is shaped as fontkit would.
    const listed = features === undefined || (Array.isArray(features) && features.every((feature) => typeof feature === 'string'));
    if (typeof text !== 'string' || !listed || rest.some((argument) => argument !== undefined)) {
      return (this._layoutEngine as { layout: (...args: unknown[]) => unknown }).layout(text, features, ...rest);
    }
    const key = features ? `${(features as string[]).join(',')}|${text}` : `|${text}`;
    let run = runs.get(key);
    if (!run) {
      run = shape(text, features as string[] | undefined);
      if (runs.size >= LAYOUT_CACHE_SIZE) runs.delete(runs.keys().next().value as string);
      runs.set(key, run);
    }
    return new GlyphRunCopy(run);
  };
}

/** What pdfkit reads of a fontkit GlyphRun, with positions of its own to scale. */
class GlyphRunCopy {
  readonly glyphs: LaidOutGlyph[];
  readonly positions: Position[];
  readonly script: string;
  readonly language: string | null;
  readonly direction: string;
  readonly features: Record<string, boolean>;
  constructor(run: SharedRun) {
    this.glyphs = run.glyphs.slice();
    this.positions = run.positions.map(({ xAdvance, yAdvance, xOffset, yOffset }) => ({ xAdvance, yAdvance, xOffset, yOffset }));
    this.script = run.script;
    this.language = run.language;
    this.direction = run.direction;
    this.features = { ...run.features };
  }
  get advanceWidth(): number {
    let width = 0;
    for (const position of this.positions) width += position.xAdvance;
    return width;
  }
}

/** QR codes kept: an application's pages share one, and a document is often made again. */
const QR_CACHE_SIZE = 64;
const qrCodes = new Map<string, QRCode.QRCode>();

/** The QR code of `value` (a function of the value alone), made once while it is among the last ones used. */
function qrCode(value: string): QRCode.QRCode {
  const kept = qrCodes.get(value);
  if (kept) return kept;
  const code = QRCode.create(value, { errorCorrectionLevel: 'M' });
  if (qrCodes.size >= QR_CACHE_SIZE) qrCodes.delete(qrCodes.keys().next().value as string);
  qrCodes.set(value, code);
  return code;
}

/**
 * Heights of text at a width, kept per process: a block is measured when its page is
 * chosen, again as part of a chain or group, its items once more as they are drawn, and
 * most of a document's text is in every document of its kind. A height depends on the
 * text, face, size, width and gap alone (the shaped words are the same in every document).
 */
const HEIGHT_CACHE_SIZE = 4000;
const heights = new Map<string, number>();

export type Struct = ReturnType<PDFKit.PDFDocument['struct']>;

export interface DocumentInfo {
  title: string;
  subject: string;
  author: string;
  /** Fixes the document's dates and file id: the same data gives the same bytes. */
  createdAt: Date;
}

const MARGIN = 56;
const GREY = '#555555';
const A4 = { width: 595.28, height: 841.89 };
/** Space kept free between the QR code's column and the text beside it. */
const QR_GAP = 14;
const QR_SIZE = 70;

/**
 * Where the QR code is drawn on the page that has one (PDF points, from the top left, as
 * `pdftotext -bbox` gives them): the top right corner, inside the margins. No text box
 * reaches into it: text beside it is set narrower (see `TaggedPdf.widthAt`).
 */
export const QR_AREA = { xMin: A4.width - MARGIN - QR_SIZE, yMin: MARGIN, xMax: A4.width - MARGIN, yMax: MARGIN + QR_SIZE } as const;

/**
 * One block of the page flow: drawn at the current position, at a width, and measured at
 * that width before it is drawn, so that the page breaks are chosen before anything is
 * on the page.
 */
interface Block {
  /** The height the whole block takes, its gap below included. */
  measure(width: number): number;
  /** The height of its first part, what a heading above it must not be parted from. */
  lead(width: number): number;
  draw(width: number): void;
  /** A heading: it goes to the next page with the block after it. */
  keepWithNext?: boolean;
}

export class TaggedPdf {
  readonly doc: PDFKit.PDFDocument;
  private readonly root: Struct;
  private readonly chunks: Buffer[] = [];
  /** The authority's name, on every page's header line. */
  private readonly authority: string;
  /** Blocks waiting to be placed: placed together, so a heading can go with what follows it. */
  private queue: Block[] = [];
  /** The pages with a QR code in their top right corner. */
  private readonly qrPages = new Set<PDFKit.PDFPage>();

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
      // No default font (pdfkit takes any empty value as none): it would load Helvetica and
      // parse its metrics for every document, and nothing is set in it.
      font: '',
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
    const { regular, bold, files } = sharedFonts();
    this.doc.registerFont('Regular', documentFont(regular, files.regular) as never);
    this.doc.registerFont('Bold', documentFont(bold, files.bold) as never);
    this.doc.font('Regular').fontSize(10.5).fillColor('#000000');
    this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.root = this.doc.struct('Document');
    this.doc.addStructure(this.root);
  }

  private add(tag: string, draw: () => void, options: { alt?: string } = {}): void {
    this.root.add(this.doc.struct(tag, options, draw));
  }

  /** The height of `text` in the given face and size at `width`. */
  private height(text: string, font: 'Regular' | 'Bold', size: number, width: number, options: { paragraphGap?: number } = {}): number {
    // The face and size stay set, as they did when every call measured.
    this.doc.font(font).fontSize(size);
    // Kept only while nothing else of pdfkit's text state can change the answer.
    const state = this.doc as unknown as { _lineGap?: number; _textOptions?: object | null; _wrapper?: object | null };
    const plain = !state._lineGap && !state._textOptions && !state._wrapper;
    const key = `${font} ${size} ${width} ${options.paragraphGap ?? ''} ${text}`;
    const known = plain ? heights.get(key) : undefined;
    if (known !== undefined) return known;
    const height = this.doc.heightOfString(text, { width, ...options });
    if (plain) {
      if (heights.size >= HEIGHT_CACHE_SIZE) heights.delete(heights.keys().next().value as string);
      heights.set(key, height);
    }
    return height;
  }

  /** The width text may take at height `y` of the current page: beside the QR code, less. */
  private widthAt(y: number): number {
    const full = this.doc.page.width - 2 * MARGIN;
    return this.qrPages.has(this.doc.page) && y < QR_AREA.yMax + QR_GAP ? QR_AREA.xMin - QR_GAP - MARGIN : full;
  }

  private currentPage(): number {
    const range = this.doc.bufferedPageRange();
    return range.start + range.count - 1;
  }

  private headingBlock(text: string, level: 1 | 2): Block {
    const size = level === 1 ? 18 : 13;
    const gap = level === 1 ? 10 : 4;
    const after = () => (level === 2 ? 0.2 * this.doc.font('Regular').fontSize(10.5).currentLineHeight() : 0);
    const measure = (width: number) => this.height(text, 'Bold', size, width, { paragraphGap: gap }) + after();
    return {
      keepWithNext: true,
      measure,
      lead: measure,
      draw: (width) => {
        this.add(`H${level}`, () => this.doc.font('Bold').fontSize(size).fillColor('#000000').text(text, MARGIN, this.doc.y, { width, paragraphGap: gap }));
        this.doc.font('Regular').fontSize(10.5);
        if (level === 2) this.doc.moveDown(0.2);
      },
    };
  }

  heading(text: string, level: 1 | 2 = 1): this {
    this.queue.push(this.headingBlock(text, level));
    return this;
  }

  paragraph(text: string, options: { small?: boolean } = {}): this {
    const size = options.small ? 9 : 10.5;
    const measure = (width: number) => this.height(text, 'Regular', size, width, { paragraphGap: 6 });
    this.queue.push({
      measure,
      // Two lines at least stay with a heading above.
      lead: (width) => Math.min(measure(width), 2 * this.doc.font('Regular').fontSize(size).currentLineHeight(true) + 6),
      draw: (width) => {
        this.add('P', () =>
          this.doc
            .font('Regular')
            .fontSize(size)
            .fillColor(options.small ? GREY : '#000000')
            .text(text, MARGIN, this.doc.y, { width, paragraphGap: 6 }),
        );
        this.doc.fontSize(10.5).fillColor('#000000');
      },
    });
    return this;
  }

  /** A form field: its label small above, the value below, in one paragraph; never split. */
  field(label: string, value: string): this {
    const shown = value || '–';
    const measure = (width: number) => this.height(label, 'Regular', 8.5, width) + this.height(shown, 'Bold', 10.5, width, { paragraphGap: 5 });
    this.queue.push({
      measure,
      lead: measure,
      draw: (width) => {
        this.add('P', () => {
          this.doc.font('Regular').fontSize(8.5).fillColor(GREY).text(label, MARGIN, this.doc.y, { width });
          this.doc.font('Bold').fontSize(10.5).fillColor('#000000').text(shown, MARGIN, this.doc.y, { width, paragraphGap: 5 });
        });
        this.doc.font('Regular');
      },
    });
    return this;
  }

  /** The indent of a list item's text (pdfkit's bullet list with a 1.5 pt bullet). */
  private static readonly LIST_INDENT = 7.5;

  list(items: string[]): this {
    const itemHeight = (item: string, width: number) => this.height(item, 'Regular', 10.5, width - TaggedPdf.LIST_INDENT, { paragraphGap: 3 });
    const after = () => 0.4 * this.doc.font('Regular').fontSize(10.5).currentLineHeight();
    this.queue.push({
      measure: (width) => items.reduce((sum, item) => sum + itemHeight(item, width), 0) + after(),
      lead: (width) => (items.length ? itemHeight(items[0], width) : 0),
      draw: (width) => {
        this.add('L', () => this.doc.font('Regular').fontSize(10.5).list(items, MARGIN, this.doc.y, { width, bulletRadius: 1.5, paragraphGap: 3 }));
        this.doc.x = MARGIN;
        this.doc.moveDown(0.4);
      },
    });
    return this;
  }

  /**
   * A list of what to put in the envelope, each item with an empty square to tick by hand.
   * The squares are artifacts: the list reads as a list.
   */
  checklist(items: string[]): this {
    const box = 9;
    const indent = box + 9;
    const itemHeight = (item: string, width: number) => this.height(item, 'Regular', 10.5, width - indent, { paragraphGap: 6 });
    this.queue.push({
      measure: (width) => items.reduce((sum, item) => sum + itemHeight(item, width), 0) + 4,
      lead: (width) => (items.length ? itemHeight(items[0], width) : 0),
      draw: (width) => {
        const list = this.doc.struct('L');
        this.root.add(list);
        for (const item of items) {
          if (this.doc.y + itemHeight(item, width) > this.doc.page.height - this.doc.page.margins.bottom) this.doc.addPage();
          const top = this.doc.y;
          this.doc.markContent('Artifact', { type: 'Layout' });
          this.doc
            .rect(MARGIN, top + 1, box, box)
            .lineWidth(0.8)
            .strokeColor('#000000')
            .stroke();
          this.doc.endMarkedContent();
          const entry = this.doc.struct('LI');
          list.add(entry);
          entry.add(
            this.doc.struct('LBody', {}, () =>
              this.doc
                .font('Regular')
                .fontSize(10.5)
                .fillColor('#000000')
                .text(item, MARGIN + indent, top, { width: width - indent, paragraphGap: 6 }),
            ),
          );
          entry.end();
        }
        list.end();
        this.doc.x = MARGIN;
        this.doc.y += 4;
      },
    });
    return this;
  }

  /**
   * Where one person signs: who (with the name when it is known), then lines for place and
   * date, signature and the name in block letters; the lines are artifacts, the captions
   * text. The block is measured and goes whole to the next page when it does not fit.
   */
  signatureBlock(who: string): this {
    const captions = ['Ort och datum', 'Namnteckning', 'Namnförtydligande'];
    const measure = (width: number) =>
      this.height(who, 'Bold', 10.5, width, { paragraphGap: 18 }) +
      captions.reduce((sum, caption) => sum + 17 + this.height(caption, 'Regular', 8.5, width, { paragraphGap: 6 }), 0) +
      0.6 * this.doc.font('Regular').fontSize(10.5).currentLineHeight();
    this.queue.push({
      measure,
      lead: measure,
      draw: (width) => {
        this.add('P', () => this.doc.font('Bold').fontSize(10.5).fillColor('#000000').text(who, MARGIN, this.doc.y, { width, paragraphGap: 18 }));
        for (const caption of captions) {
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
          this.add('P', () => this.doc.font('Regular').fontSize(8.5).fillColor(GREY).text(caption, MARGIN, this.doc.y, { width, paragraphGap: 6 }));
          this.doc.fillColor('#000000');
        }
        this.doc.font('Regular').fontSize(10.5);
        this.doc.moveDown(0.6);
      },
    });
    return this;
  }

  /**
   * Keeps what `build` adds on one page: a signature block with its heading and the text
   * it signs. A group taller than a page starts on a new page and runs on.
   */
  keepTogether(build: () => void): this {
    const start = this.queue.length;
    build();
    const blocks = this.queue.splice(start);
    if (blocks.length === 0) return this;
    const measure = (width: number) => blocks.reduce((sum, block) => sum + block.measure(width), 0);
    this.queue.push({
      measure,
      lead: measure,
      keepWithNext: blocks[blocks.length - 1].keepWithNext,
      draw: () => {
        for (const block of blocks) block.draw(this.widthAt(this.doc.y));
      },
    });
    return this;
  }

  /**
   * Places the waiting blocks. A heading and the blocks chained to it (up to the first
   * block that is not a heading, of which only its lead counts) start on a new page when
   * they do not fit on this one; so does a block that must not split.
   */
  private flush(): void {
    const blocks = this.queue;
    this.queue = [];
    for (let first = 0; first < blocks.length; ) {
      let last = first;
      while (blocks[last].keepWithNext && last + 1 < blocks.length) last++;
      const chain = blocks.slice(first, last + 1);
      const width = this.widthAt(this.doc.y);
      const needed = chain.slice(0, -1).reduce((sum, block) => sum + block.measure(width), 0) + chain[chain.length - 1].lead(width);
      const bottom = this.doc.page.height - this.doc.page.margins.bottom;
      if (this.doc.y + needed > bottom && this.doc.y > this.doc.page.margins.top + 1) this.doc.addPage();
      for (const block of chain) block.draw(this.widthAt(this.doc.y));
      first = last + 1;
    }
    this.doc.x = MARGIN;
  }

  /** A QR code of `value` in the top right corner of the current page, as a figure with alternative text. */
  qr(value: string, alt: string): this {
    this.flush();
    const code = qrCode(value);
    const count = code.modules.size;
    const cell = QR_SIZE / count;
    this.qrPages.add(this.doc.page);
    this.root.add(
      this.doc.struct('Figure', { alt }, () => {
        this.doc.save().fillColor('#000000');
        // One rectangle per run of dark modules in a row: the same area with fewer, shorter
        // operators in the page, and no seams between neighbouring modules when rendered.
        for (let row = 0; row < count; row++) {
          for (let column = 0; column < count; ) {
            if (!code.modules.data[row * count + column]) {
              column++;
              continue;
            }
            let end = column + 1;
            while (end < count && code.modules.data[row * count + end]) end++;
            this.doc.rect(QR_AREA.xMin + column * cell, QR_AREA.yMin + row * cell, (end - column) * cell, cell);
            column = end;
          }
        }
        this.doc.fill().restore();
      }),
    );
    return this;
  }

  /** Starts a new page and returns its index (0-based). */
  newPage(): number {
    this.flush();
    this.doc.addPage();
    return this.pageIndex();
  }

  pageIndex(): number {
    this.flush();
    return this.currentPage();
  }

  /** A table of contents written onto an earlier, reserved page: title and page number per line. */
  contents(pageIndex: number, title: string, entries: Array<{ title: string; page: number }>): this {
    this.flush();
    const current = this.currentPage();
    this.doc.switchToPage(pageIndex);
    this.doc.x = MARGIN;
    this.doc.y = MARGIN;
    this.headingBlock(title, 1).draw(this.widthAt(MARGIN));
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
   * structure element, drawn where the queued blocks end; the default font, size and
   * colour are restored after it.
   */
  custom(tag: string, draw: (doc: PDFKit.PDFDocument) => void): this {
    this.flush();
    this.add(tag, () => draw(this.doc));
    this.doc.font('Regular').fontSize(10.5).fillColor('#000000');
    return this;
  }

  /**
   * Structure the caller builds itself (a table of rows and cells, with artifacts between
   * them), added to the document where the queued blocks end: `build` adds its elements to
   * `parent`. The default font, size and colour are restored after it.
   */
  structure(build: (doc: PDFKit.PDFDocument, parent: Struct) => void): this {
    this.flush();
    build(this.doc, this.root);
    this.doc.x = MARGIN;
    this.doc.font('Regular').fontSize(10.5).fillColor('#000000');
    return this;
  }

  /** Starts a new page unless `height` more fits on this one. */
  ensureSpace(height: number): void {
    this.flush();
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
    this.flush();
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
