import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkSmartypants from 'remark-smartypants';
import { unified } from 'unified';
import { fillPlaceholders, placeholderValues, ROLE_TABLE, ROLE_TABLE_HEADER, roleTableRows } from '#server/handbook/text.ts';

type Node = { type: string; value?: string; children?: Node[]; [key: string]: unknown };

const cellNode = (text: string): Node => ({ type: 'tableCell', children: [{ type: 'text', value: text }] });
const rowNode = (cells: string[]): Node => ({ type: 'tableRow', children: cells.map(cellNode) });

/** A remark plugin: fills {{placeholders}} from the configuration and turns {{rolltabell}} into the catalogue's table. */
export function remarkHandbook() {
  const values = placeholderValues();
  const visit = (node: Node): void => {
    if (!node.children) return;
    node.children = node.children.map((child) => {
      const only =
        child.type === 'paragraph' &&
        child.children?.length === 1 &&
        child.children[0].type === 'text' &&
        child.children[0].value?.trim() === `{{${ROLE_TABLE}}}`;
      if (only) return { type: 'table', align: ['left', 'left', 'left'], children: [rowNode(ROLE_TABLE_HEADER), ...roleTableRows().map(rowNode)] };
      if (child.type === 'text' && child.value) return { ...child, value: fillPlaceholders(child.value, values) };
      visit(child);
      return child;
    });
  };
  // Typed loosely on purpose: this walks any mdast tree and only touches text and paragraphs.
  return (tree: unknown) => visit(tree as Node);
}

/**
 * The handbook's Markdown as the tree the pages are rendered from, for the PDF: the same
 * parser and the same steps in the order Astro runs them (GFM, SmartyPants, then
 * ours), so that the PDF and the pages cannot disagree about a word.
 */
export function handbookTree(markdown: string): Root {
  const processor = unified().use(remarkParse).use(remarkGfm).use(remarkSmartypants).use(remarkHandbook);
  return processor.runSync(processor.parse(markdown)) as Root;
}
