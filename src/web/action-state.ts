import { isInputError } from 'astro:actions';
import { message, toFieldErrors, type FieldError } from '#web/form-errors.ts';
import { formatMinutes, formatTime } from '#server/platform/format.ts';

export interface FormState {
  status: number;
  errors: FieldError[];
  general: string[];
}

type Result = { error?: unknown } | undefined;

/** Fills in the placeholders that need formatting: a lock's end as a time and the minutes left. */
function withTimes(code: string, now: Date): string {
  return code.replace(/\|until=([^|]+)/, (_, iso: string) => {
    const until = new Date(iso);
    return `|time=${formatTime(until)}|minutes=${formatMinutes(until.getTime() - now.getTime())}`;
  });
}

/**
 * An Action's failed result as the page shows it: field errors (input errors, or an
 * ActionError whose message is `field:code`), general messages, and the HTTP status.
 */
export function formState(result: Result, order: string[], now: Date = new Date()): FormState {
  const error = result?.error;
  if (!error) return { status: 200, errors: [], general: [] };
  if (isInputError(error)) return { status: 400, errors: toFieldErrors(error.fields as Record<string, string[]>, order), general: [] };
  const { status = 500, message: raw = '' } = error as { status?: number; message?: string };
  const match = /^([A-Za-z]+):(.*)$/s.exec(raw);
  const [field, code] = match ? [match[1], match[2]] : [undefined, raw];
  const text = message(withTimes(code ?? '', now));
  return field ? { status, errors: [{ field, message: text }], general: [] } : { status, errors: [], general: [text] };
}

/** The seconds a rate-limited action asked the client to wait (its `retryAfter` parameter), for a `Retry-After` header. */
export function retryAfter(result: Result): string | undefined {
  const raw = (result?.error as { message?: string } | undefined)?.message ?? '';
  return /\|retryAfter=(\d+)/.exec(raw)?.[1];
}
