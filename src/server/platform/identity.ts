/**
 * The authority's visual identity from configuration: a brand colour that must carry the
 * header's white text, and a logo SVG that is inlined into every page (no extra request),
 * so it must not be able to run code or fetch anything.
 */

/** WCAG relative luminance of a #rrggbb or #rgb colour. */
export function relativeLuminance(hex: string): number {
  const value = hex.replace('#', '');
  const full = value.length === 3 ? [...value].map((c) => c + c).join('') : value;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const channel = Number.parseInt(full.slice(i, i + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The contrast ratio of two colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

export const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Why a logo SVG may not be inlined, or undefined when it may. */
export function logoProblem(svg: string): string | undefined {
  if (/<!(?:DOCTYPE|ENTITY)/i.test(svg)) return 'contains a DOCTYPE or entity declaration';
  const body = stripProlog(svg);
  if (!/^<svg[\s>/]/i.test(body)) return 'is not an SVG file (it must start with <svg>)';
  if (/<script/i.test(body)) return 'contains a <script>';
  if (/<foreignObject/i.test(body)) return 'contains a <foreignObject>';
  if (/\son[a-z]+\s*=/i.test(body)) return 'has an event attribute (on…=)';
  if (/(?:^|\s)(?:xlink:)?href\s*=\s*["'](?!#)/i.test(body)) return 'refers to another file or address (href)';
  if (/url\(\s*["']?(?!#)/i.test(body) || /@import/i.test(body)) return 'refers to another file or address (url() or @import)';
  if (/javascript:/i.test(body)) return 'contains a javascript: address';
  return undefined;
}

/** The SVG without XML declaration and comments, ready to be placed in HTML. */
export function stripProlog(svg: string): string {
  return svg
    .replace(/^\uFEFF/, '')
    .replace(/<\?xml[\s\S]*?\?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
}

const escapeAttribute = (value: string) => value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The logo as markup for the header: an image named by the authority, its own title
 * and sizing attributes removed so that the name and the stylesheet decide.
 */
export function logoMarkup(svg: string, name: string): string {
  const body = stripProlog(svg).replace(/<title[\s\S]*?<\/title>/gi, '');
  return body.replace(/^<svg\b([^>]*)>/i, (_match, attributes: string) => {
    const kept = attributes.replace(/\s(?:width|height|role|aria-[a-z]+|focusable|class)\s*=\s*("[^"]*"|'[^']*')/gi, '');
    return `<svg${kept} role="img" aria-label="${escapeAttribute(name)}" focusable="false" class="brand-logo">`;
  });
}
