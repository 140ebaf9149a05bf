import { Lexer, type Token, type Tokens } from 'marked';
import type { Config } from '#server/platform/config.ts';
import { formatDate } from '#server/platform/format.ts';
import { fillPlaceholders, ROLE_TABLE, ROLE_TABLE_HEADER, roleTableRows } from '#server/handbook/text.ts';
import { TaggedPdf } from '#server/pdf/document.ts';

export interface HandbookSource {
  id: string;
  title: string;
  description: string;
  body: string;
}

/** Inline Markdown as the plain text a reader sees: links keep their words, emphasis its letters. */
function plain(tokens: Token[] | undefined, fallback = ''): string {
  if (!tokens) return fallback;
  return tokens.map((token) => ('tokens' in token && token.tokens ? plain(token.tokens) : 'text' in token ? String(token.text) : '')).join('');
}

function write(pdf: TaggedPdf, tokens: Token[]): void {
  for (const token of tokens) {
    if (token.type === 'heading') pdf.heading(plain((token as Tokens.Heading).tokens, token.text), 2);
    else if (token.type === 'paragraph') {
      const text = plain((token as Tokens.Paragraph).tokens, token.text);
      if (text.trim() === `{{${ROLE_TABLE}}}`) {
        for (const [area, role, service] of roleTableRows()) pdf.field(`${ROLE_TABLE_HEADER[0]}: ${area}`, `${role} – ${service}`);
      } else pdf.paragraph(text);
    } else if (token.type === 'list') pdf.list((token as Tokens.List).items.map((item) => plain(item.tokens, item.text)));
    else if (token.type === 'table') {
      const table = token as Tokens.Table;
      for (const row of table.rows) pdf.paragraph(row.map((cell) => plain(cell.tokens, cell.text)).join(' – '));
    } else if (token.type === 'blockquote') write(pdf, (token as Tokens.Blockquote).tokens);
  }
}

/**
 * Användarhandbok: the whole handbook as one tagged PDF, made at build time from the
 * same Markdown and the same configured numbers as the pages.
 */
export async function handbookPdf(pages: HandbookSource[], config: Config, builtAt: Date): Promise<Buffer> {
  const pdf = new TaggedPdf({ title: 'Användarhandbok – Anordnarportalen', subject: 'Handbok för Anordnarportalen', author: config.authority.name, createdAt: builtAt });
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
    write(pdf, new Lexer().lex(fillPlaceholders(page.body)));
  }
  pdf.contents(tocPage, 'Innehåll', entries);
  return pdf.finish('Användarhandbok');
}
