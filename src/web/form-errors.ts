import { t, type MessageKey } from '#web/i18n.ts';

/** One problem with one field, as the error summary and the field show it. */
export interface FieldError {
  field: string;
  message: string;
}

/** Field name → message, first problem per field. */
export type FieldErrors = Record<string, string>;

/**
 * Turns the per-field error codes that our zod schemas emit (each issue's message is a
 * key of sv.json, e.g. `error.required`) into Swedish messages, in form order.
 */
export function toFieldErrors(fields: Record<string, string[] | undefined>, order: string[] = []): FieldError[] {
  const names = [...order.filter((name) => fields[name]?.length), ...Object.keys(fields).filter((name) => !order.includes(name))];
  return names
    .filter((name) => fields[name]?.length)
    .map((name) => ({ field: name, message: message(fields[name]![0]) }));
}

/** A Swedish message for a message key and its values; an unknown key falls back to a general one. */
export function translate(key: string, params: Record<string, string | number> = {}): string {
  try {
    return t(key as MessageKey, params);
  } catch {
    return t('error.invalid');
  }
}

/** A Swedish message for a zod issue's code, `key` or `key|name=value…`. */
export function message(code: string): string {
  const [key, ...params] = code.split('|');
  return translate(key ?? '', Object.fromEntries(params.map((param) => param.split('=') as [string, string])));
}

export const byField = (errors: FieldError[]): FieldErrors => Object.fromEntries(errors.map((error) => [error.field, error.message]));
