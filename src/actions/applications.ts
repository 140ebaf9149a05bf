import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { applicationSchema } from '#server/applications/schema.ts';
import { readDraft, saveDraft, submitApplication } from '#server/applications/applications.ts';
import { checkCaptcha } from '#server/identity/captcha.ts';
import { hitLimit } from '#server/platform/rate-limit.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext } from '#web/request-context.ts';

export const DRAFT_COOKIE = 'ansokan';
const draftCookie = { httpOnly: true, sameSite: 'lax' as const, path: '/ansok', maxAge: 4 * 60 * 60 };
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

export const applications = {
  /** "Fortsätt": validates every field, keeps the answers in a draft, goes to "Kontrollera dina uppgifter". */
  check: defineAction({
    accept: 'form',
    input: applicationSchema,
    handler: async (input, context) => {
      await limitClient(context, 'drafts');
      const token = await saveDraft(context.locals.app.db, context.cookies.get(DRAFT_COOKIE)?.value, input, context.locals.app.clock);
      context.cookies.set(DRAFT_COOKIE, token, { ...draftCookie, secure: context.locals.app.config.secure });
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
      if (result.kind === 'taken') {
        const { phone, email } = settings.authority;
        throw refuse(context.locals, 'CONFLICT', 'error.application.taken', { params: { days: settings.rules.applicationPaperDays, phone, email } });
      }
      context.cookies.delete(DRAFT_COOKIE, { path: '/ansok' });
      return { redirect: `/ansok/status/${result.token}?ny=1` };
    },
  }),
};
