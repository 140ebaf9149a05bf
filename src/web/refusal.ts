import { ActionError } from 'astro:actions';
import type { Issue } from '#web/form-errors.ts';

type Code = ConstructorParameters<typeof ActionError>[0]['code'];
export type MessageParams = Record<string, string | number>;

/** Why an action said no: a key of sv.json, the form field it belongs to, and the values its text needs. */
export interface RefusalDetail {
  key: string;
  field?: string;
  params?: MessageParams;
  /** Problems with several fields at once (a schema's and the checks it cannot make), each message a key filled from `params`. */
  issues?: Issue[];
}

/**
 * An action's refusal. Over /_actions/ Astro answers it as JSON whose `message` is the
 * key, with `field` and `params` beside it; a page that shows the result reads the same
 * detail from `locals` (Astro hands pages only the code and message), so both say the
 * same Swedish text.
 */
export class Refusal extends ActionError {
  readonly field?: string;
  readonly params?: MessageParams;
  readonly issues?: Issue[];

  constructor(code: Code, detail: RefusalDetail) {
    super({ code, message: detail.key });
    this.field = detail.field;
    this.params = detail.params;
    this.issues = detail.issues;
  }
}

/** The refusal to throw from an action, remembered for the page that shows it. */
export function refuse(locals: App.Locals, code: Code, key: string, options: { field?: string; params?: MessageParams; issues?: Issue[] } = {}): Refusal {
  const detail = { key, ...options };
  locals.refusal = detail;
  return new Refusal(code, detail);
}
