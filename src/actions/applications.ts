import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { applicationSchema, FIELD_ORDER, orgNumberSchema } from '#server/applications/schema.ts';
import { DRAFT_LIFETIME_HOURS, orgNumberTaken, readDraft, saveDraft, submitApplication } from '#server/applications/applications.ts';
import type { Config } from '#server/platform/config.ts';
import { checkCaptcha } from '#server/identity/captcha.ts';
import { hitLimit } from '#server/platform/rate-limit.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';

export const DRAFT_COOKIE = 'ansokan';
const draftCookie = { httpOnly: true, sameSite: 'lax' as const, path: '/ansok', maxAge: DRAFT_LIFETIME_HOURS * 60 * 60 };
const HOUR_MS = 60 * 60_000;

/**
 * Anyone may apply, so the form is limited per client address (in Postgres, shared by
 * every instance): each draft is a row, each submission a row and a mail.
 */
async function limitClient(context: { locals: App.Locals; request: Request; clientAddress: string }, kind: 'drafts' | 'submissions'): Promise<void> {
  const address = loginContext(context.locals, context.clientAddress).address;
  const max = context.locals.app.config.applicationClientLimits[kind];
  const limit = await hitLimit(context.locals.app.db, { bucket: `application-${kind}`, key: address, max, windowMs: HOUR_MS }, context.locals.app.clock);
  if (!limit.allowed) {
    const minutes = Math.ceil(limit.retryAfterSeconds / 60);
    throw refuse(context.locals, 'TOO_MANY_REQUESTS', 'error.application.tooMany', { params: { minutes, retryAfter: limit.retryAfterSeconds } });
  }
}

/**
 * The form as posted, every field a string: the handler validates it itself, so that one
 * answer holds every problem, the schema's and whether the number is taken.
 */
const postedFields: Record<string, z.ZodOptional<z.ZodString>> = Object.fromEntries(
  FIELD_ORDER.filter((name) => name !== 'areas').map((name) => [name, z.string().optional()]),
);
const postedForm = z.object({
  ...postedFields,
  orgNumber: z.string().optional(),
  holderIsSignatory: z.string().optional(),
  areas: z.array(z.string()),
});

/** The values the taken-number message names: whom to call, and when a stranger's application lapses. */
const takenParams = (config: Config) => ({
  days: config.rules.applicationPaperDays,
  phone: config.authority.phone,
  email: config.authority.email,
  openingHours: config.authority.openingHours,
});

export const applications = {
  /**
   * "Fortsätt": validates every field and whether the organisation number is taken, all
   * in one answer, keeps the answers in a draft, goes to "Kontrollera dina uppgifter".
   * The taken check is here, not only at submission, so that an organisation with an
   * account learns it before it has checked its answers. Every post counts towards the
   * drafts limit, so asking whether numbers are taken is limited like saving drafts.
   */
  check: defineAction({
    accept: 'form',
    input: postedForm,
    handler: async (input, context) => {
      await limitClient(context, 'drafts');
      const { db, config, clock } = context.locals.app;
      const parsed = applicationSchema.safeParse(input);
      const number = orgNumberSchema.safeParse(input.orgNumber ?? '');
      const taken = number.success && (await orgNumberTaken(db, number.data));
      if (!parsed.success || taken) {
        const issues = (parsed.error?.issues ?? []).map(({ path, message, ...rest }) => ({
          path: path.map(String),
          message,
          ...('maximum' in rest && typeof rest.maximum === 'number' ? { maximum: rest.maximum } : {}),
          ...('minimum' in rest && typeof rest.minimum === 'number' ? { minimum: rest.minimum } : {}),
        }));
        if (taken) issues.unshift({ path: ['orgNumber'], message: 'error.application.taken' });
        throw refuse(context.locals, parsed.success ? 'CONFLICT' : 'BAD_REQUEST', 'error.application.invalid', { issues, params: takenParams(config) });
      }
      const token = await saveDraft(db, context.cookies.get(DRAFT_COOKIE)?.value, parsed.data, clock);
      context.cookies.set(DRAFT_COOKIE, token, { ...draftCookie, secure: config.secure });
      return { redirect: '/ansok/kontrollera' };
    },
  }),

  /** "Skicka in ansökan": the same robot check as the kiosk, then validates the draft once more and stores the application. */
  submit: defineAction({
    accept: 'form',
    // The honeypot is a field people never see; the captcha payload is absent without JavaScript, and the rate limit carries the load.
    input: z.object({ webbplats: z.string().max(200).optional(), altcha: z.string().max(20_000).optional() }),
    handler: async (input, context) => {
      await limitClient(context, 'submissions');
      const check = await checkCaptcha(context.locals.app.db, input.altcha, context.locals.app.config.secretKey, context.locals.app.clock);
      if (input.webbplats || check === 'invalid' || check === 'used') throw new ActionError({ code: 'BAD_REQUEST', message: 'error.captcha.failed' });
      const token = context.cookies.get(DRAFT_COOKIE)?.value;
      const draft = await readDraft(context.locals.app.db, token, context.locals.app.clock);
      const parsed = applicationSchema.safeParse(draft);
      if (!parsed.success) throw new ActionError({ code: 'BAD_REQUEST', message: 'error.application.expired' });
      const settings = context.locals.app.config;
      const result = await submitApplication(context.locals.app.db, parsed.data, token, settings, context.locals.app.clock);
      if (result.kind === 'taken') throw refuse(context.locals, 'CONFLICT', 'error.application.taken', { params: takenParams(settings) });
      context.cookies.delete(DRAFT_COOKIE, { path: '/ansok' });
      return { redirect: `/ansok/status/${result.token}?ny=1` };
    },
  }),
};
