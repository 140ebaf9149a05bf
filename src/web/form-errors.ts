import { t, type MessageKey } from '#web/i18n.ts';

/** One problem with one field, as the error summary and the field show it. */
export interface FieldError {
  field: string;
  message: string;
}

/** Field name → message, first problem per field. */
export type FieldErrors = Record<string, string>;

/** The part of a zod issue that its message needs: the key and the limits the schema set. */
export interface Issue {
  path: PropertyKey[];
  message: string;
  minimum?: unknown;
  maximum?: unknown;
}

/** A zod issue's message: its key (a key of sv.json, e.g. `error.tooLong`) with the limit it broke and any other values it needs. */
export function issueMessage(issue: Issue, values: Record<string, string | number> = {}): string {
  const params: Record<string, string | number> = { ...values };
  if (typeof issue.maximum === 'number') params.max = issue.maximum;
  if (typeof issue.minimum === 'number') params.min = issue.minimum;
  return translate(issue.message, params);
}

/** Turns the issues of an action's input into Swedish messages per field, first problem per field, in form order. */
export function toFieldErrors(issues: Issue[], order: string[] = [], values: Record<string, string | number> = {}): FieldError[] {
  const first = new Map<string, Issue>();
  for (const issue of issues) if (issue.path.length > 0 && !first.has(String(issue.path[0]))) first.set(String(issue.path[0]), issue);
  const names = [...order.filter((name) => first.has(name)), ...[...first.keys()].filter((name) => !order.includes(name))];
  return names.map((name) => ({ field: name, message: issueMessage(first.get(name)!, values) }));
}

/** A Swedish message for a message key and its values; an unknown key falls back to a general one. */
export function translate(key: string, params: Record<string, string | number> = {}): string {
  try {
    return t(key as MessageKey, params);
  } catch {
    return t('error.invalid');
  }
}

export const byField = (errors: FieldError[]): FieldErrors => Object.fromEntries(errors.map((error) => [error.field, error.message]));
