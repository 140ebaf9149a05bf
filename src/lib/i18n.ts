import sv from '../i18n/sv.json' with { type: 'json' };

export type MessageKey = keyof typeof sv;

/** The Swedish text for `key`, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return sv[key].replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}
