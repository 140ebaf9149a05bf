import { ActionError, defineAction } from 'astro:actions';
import { applicationSchema } from '../lib/server/application-schema.ts';
import { readDraft, saveDraft, submitApplication } from '../lib/server/applications.ts';
import { appClock } from '../lib/server/clock.ts';
import { config } from '../lib/server/config.ts';
import { db } from '../lib/server/database.ts';

export const DRAFT_COOKIE = 'ansokan';
const draftCookie = { httpOnly: true, sameSite: 'lax' as const, path: '/ansok', maxAge: 4 * 60 * 60 };

export const applications = {
  /** "Fortsätt": validates every field, keeps the answers in a draft, goes to "Kontrollera dina uppgifter". */
  check: defineAction({
    accept: 'form',
    input: applicationSchema,
    handler: async (input, context) => {
      const token = await saveDraft(db(), context.cookies.get(DRAFT_COOKIE)?.value, input, appClock());
      context.cookies.set(DRAFT_COOKIE, token, { ...draftCookie, secure: config().secure });
      return { redirect: '/ansok/kontrollera' };
    },
  }),

  /** "Skicka in ansökan": validates the draft once more and stores the application. */
  submit: defineAction({
    accept: 'form',
    handler: async (_input, context) => {
      const token = context.cookies.get(DRAFT_COOKIE)?.value;
      const draft = await readDraft(db(), token, appClock());
      const parsed = applicationSchema.safeParse(draft);
      if (!parsed.success) throw new ActionError({ code: 'BAD_REQUEST', message: 'error.application.expired' });
      const result = await submitApplication(db(), parsed.data, token, config(), appClock());
      if (result.kind === 'taken') throw new ActionError({ code: 'CONFLICT', message: 'error.application.taken' });
      context.cookies.delete(DRAFT_COOKIE, { path: '/ansok' });
      return { redirect: `/ansok/status/${result.token}?ny=1` };
    },
  }),
};
