import sv from '../i18n/sv.json' with { type: 'json' };

export type MessageKey = keyof typeof sv;

/** The Swedish text for `key`, with `{name}` placeholders filled from `params`. Throws on an unknown key. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = (sv as Record<string, string>)[key];
  if (text === undefined) throw new Error(`No text for ${key}`);
  return text.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}
