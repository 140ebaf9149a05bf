import type { RootContent } from 'mdast';
import { toString as plainText } from 'mdast-util-to-string';
import type { Config } from '#server/platform/config.ts';
import { formatDate } from '#server/platform/format.ts';
import { handbookTree } from '#server/handbook/remark.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

export interface HandbookSource {
  id: string;
  title: string;
  description: string;
  body: string;
}

/**
 * The page's blocks as PDF text. A table becomes one field per row, labelled by its first
 * column ("Område: YH"), because a tagged PDF table would not fit the page's width.
 */
function write(pdf: TaggedPdf, nodes: RootContent[]): void {
  for (const node of nodes) {
    if (node.type === 'heading') pdf.heading(plainText(node), 2);
    else if (node.type === 'paragraph') pdf.paragraph(plainText(node));
    else if (node.type === 'list') pdf.list(node.children.map((item) => plainText(item)));
    else if (node.type === 'table') {
      const [header, ...rows] = node.children.map((row) => row.children.map((cell) => plainText(cell)));
      for (const [first, ...rest] of rows) pdf.field(`${header[0]}: ${first}`, rest.join(' – '));
    } else if (node.type === 'blockquote') write(pdf, node.children);
  }
}

/**
 * Användarhandbok: the whole handbook as one tagged PDF, made at build time from the
 * same Markdown, through the same remark pipeline, as the pages.
 */
export async function handbookPdf(pages: HandbookSource[], config: Config, builtAt: Date): Promise<Buffer> {
  const pdf = new TaggedPdf({
    title: 'Användarhandbok – Anordnarportalen',
    subject: 'Handbok för Anordnarportalen',
    author: config.authority.name,
    createdAt: builtAt,
  });
  pdf.doc.moveDown(8);
  pdf.heading('Användarhandbok', 1);
  pdf.paragraph(`Anordnarportalen – ${config.authority.name}`);
  pdf.paragraph(`Version ${formatDate(builtAt)}. Den senaste versionen finns alltid på webbplatsen under Handbok.`, { small: true });
  const tocPage = pdf.newPage();
  const entries: Array<{ title: string; page: number }> = [];
  for (const page of pages) {
    const index = pdf.newPage();
    entries.push({ title: page.title, page: index + 1 });
    pdf.heading(page.title, 1);
    pdf.paragraph(page.description);
    write(pdf, handbookTree(page.body).children);
  }
  pdf.contents(tocPage, 'Innehåll', entries);
  return pdf.finish('Användarhandbok');
}
