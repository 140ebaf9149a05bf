import { isInputError } from 'astro:actions';
import { toFieldErrors, translate, type FieldError } from '#web/form-errors.ts';
import type { MessageParams } from '#web/refusal.ts';
import { formatMinutes, formatTime } from '#server/platform/format.ts';

export interface FormState {
  status: number;
  errors: FieldError[];
  general: string[];
}

type Result = { error?: unknown } | undefined;

/** Fills in the values that need formatting: a lock's end as a time and the minutes left. */
function withTimes(params: MessageParams, now: Date): MessageParams {
  if (typeof params.until !== 'string') return params;
  const until = new Date(params.until);
  return { ...params, time: formatTime(until), minutes: formatMinutes(until.getTime() - now.getTime()) };
}

/**
 * An Action's failed result as the page shows it: field errors (input errors, or a
 * refusal that names its field), general messages, and the HTTP status. A refusal's
 * field and values come from `locals`, where the action left them (see refusal.ts).
 */
export function formState(locals: App.Locals, result: Result, order: string[], now: Date = new Date()): FormState {
  const error = result?.error;
  if (!error) return { status: 200, errors: [], general: [] };
  if (isInputError(error)) return { status: 400, errors: toFieldErrors(error.issues, order), general: [] };
  const { status = 500, message: key = '' } = error as { status?: number; message?: string };
  const refusal = locals.refusal?.key === key ? locals.refusal : undefined;
  const params = withTimes(refusal?.params ?? {}, now);
  if (refusal?.issues) return { status, errors: toFieldErrors(refusal.issues, order, params), general: [] };
  const text = translate(key, params);
  return refusal?.field ? { status, errors: [{ field: refusal.field, message: text }], general: [] } : { status, errors: [], general: [text] };
}

/** The seconds a rate-limited action asked the client to wait (its `retryAfter` value), for a `Retry-After` header. */
export function retryAfter(locals: App.Locals): string | undefined {
  const value = locals.refusal?.params?.retryAfter;
  return value === undefined ? undefined : String(value);
}
