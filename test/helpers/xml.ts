import { createRequire } from 'node:module';

/** An element of a parsed XML document: its local name, namespace, attributes, child elements and text. */
export interface XmlElement {
  name: string;
  ns: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

interface SaxParser {
  onerror: (error: Error) => void;
  onopentag: (tag: { local: string; uri: string; attributes: Record<string, { value: string; local: string; uri: string }> }) => void;
  onclosetag: () => void;
  ontext: (text: string) => void;
  oncdata: (text: string) => void;
  write(text: string): SaxParser;
  close(): void;
}

// sax is the strict, namespace-aware XML parser already in node_modules (through Astro's svgo); it has no types of its own.
const sax = createRequire(import.meta.url)('sax') as { parser(strict: boolean, options: { xmlns: boolean }): SaxParser };

/** Parses a document with a strict XML parser: throws on anything that is not well-formed. */
export function parseXml(source: string): XmlElement {
  const parser = sax.parser(true, { xmlns: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.onerror = (error) => {
    throw error;
  };
  parser.onopentag = (tag) => {
    const element: XmlElement = {
      name: tag.local,
      ns: tag.uri,
      attributes: Object.fromEntries(
        Object.values(tag.attributes)
          .filter((a) => a.uri === '')
          .map((a) => [a.local, a.value]),
      ),
      children: [],
      text: '',
    };
    if (stack.length) stack[stack.length - 1].children.push(element);
    else if (root) throw new Error('more than one root element');
    else root = element;
    stack.push(element);
  };
  parser.onclosetag = () => {
    stack.pop();
  };
  parser.ontext = parser.oncdata = (text) => {
    if (stack.length) stack[stack.length - 1].text += text;
  };
  parser.write(source).close();
  if (!root) throw new Error('no root element');
  return root;
}
