import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { managedAtDesk } from '#server/back-office/support.ts';
import { confirmNewTotp, removeAllFactors, removeOwnTotp, renewRecoveryCodes, secondStep, type Proof } from '#server/identity/second-factor.ts';
import { hasSecondFactor } from '#server/identity/session.ts';
import { startTotp } from '#server/identity/totp.ts';
import { findUserById, type User } from '#server/identity/users.ts';
import { ENROL_PAGE, sessionOf, userOf } from '#web/access.ts';
import { safeNext } from '#web/auth-cookies.ts';
import { refuse } from '#web/refusal.ts';
import { loginContext, throttleClient } from '#web/request-context.ts';

/** The page to go on to: a local path the step was given, or the user's start page. */
export const onwards = (user: User, tillbaka: string | null | undefined) => safeNext(tillbaka) ?? (user.kind === 'staff' ? '/handlaggning' : '/mina-tjanster');

// Spaces are allowed (some apps show "123 456"); anything but six digits is a typing mistake, not a try.
const appCode = z
  .string({ error: 'mfa.error.code.required' })
  .trim()
  .min(1, 'mfa.error.code.required')
  .max(20, 'mfa.error.code.format')
  .refine((code) => /^\d{6}$/.test(code.replace(/\s/g, '')), 'mfa.error.code.format');
const recoveryCode = z
  .string({ error: 'mfa.error.recovery.required' })
  .trim()
  .min(1, 'mfa.error.recovery.required')
  .max(40, 'mfa.error.recovery.format')
  .refine((code) => /^[a-z2-7]{12}$/.test(code.toLowerCase().replace(/[\s-]/g, '')), 'mfa.error.recovery.format');
const tillbaka = z.string().max(500).nullish();

async function verify(proof: Proof, field: string, next: string | null | undefined, context: { locals: App.Locals; clientAddress: string }) {
  const { locals } = context;
  const ctx = loginContext(locals, context.clientAddress);
  const throttle = await throttleClient(locals.app, ctx.address, 'login-client');
  if (!throttle.allowed)
    throw refuse(locals, 'TOO_MANY_REQUESTS', 'error.tooManyAttempts', { params: { minutes: Math.ceil(throttle.retryAfterSeconds / 60) } });
  const user = userOf(locals);
  const session = sessionOf(locals);
  // A session that has shown its factor already (another tab) has nothing to prove: no attempt is counted.
  if (hasSecondFactor(session)) return { redirect: onwards(user, next) };
  const result = await secondStep(locals.app.db, user, session.id, proof, ctx);
  if (result.kind === 'locked') throw refuse(locals, 'UNAUTHORIZED', 'error.login.locked', { params: { until: result.until.toISOString() } });
  if (result.kind === 'failed') {
    locals.app.log.info({ outcome: 'failed' }, 'second step refused');
    throw refuse(locals, 'UNAUTHORIZED', proof.kind === 'totp' ? 'mfa.error.code.wrong' : 'mfa.error.recovery.wrong', { field });
  }
  return { redirect: onwards(user, next) };
}

export const mfa = {
  verifyApp: defineAction({
    accept: 'form',
    input: z.object({ code: appCode, tillbaka }),
    handler: (input, context) => verify({ kind: 'totp', code: input.code }, 'code', input.tillbaka, context),
  }),

  verifyRecovery: defineAction({
    accept: 'form',
    input: z.object({ recoveryCode, tillbaka }),
    handler: (input, context) => verify({ kind: 'recovery', code: input.recoveryCode }, 'recoveryCode', input.tillbaka, context),
  }),

  startTotp: defineAction({
    accept: 'form',
    input: z.object({ tillbaka }),
    handler: async (input, context) => {
      const { db, config, clock } = context.locals.app;
      if (!(await startTotp(db, userOf(context.locals).id, config.secretKey, clock))) {
        throw new ActionError({ code: 'CONFLICT', message: 'mfa.error.app.exists' });
      }
      const next = safeNext(input.tillbaka);
      return { redirect: `${ENROL_PAGE}/app${next ? `?tillbaka=${encodeURIComponent(next)}` : ''}` };
    },
  }),

  confirmTotp: defineAction({
    accept: 'form',
    input: z.object({ code: appCode, tillbaka }),
    handler: async (input, context) => {
      const user = userOf(context.locals);
      const ctx = loginContext(context.locals, context.clientAddress);
      const result = await confirmNewTotp(context.locals.app.db, user, sessionOf(context.locals).id, input.code, ctx);
      if (result.kind === 'none') throw new ActionError({ code: 'CONFLICT', message: 'mfa.error.app.none' });
      if (result.kind === 'wrong') throw refuse(context.locals, 'BAD_REQUEST', 'mfa.error.code.wrongNew', { field: 'code' });
      // The page shows the recovery codes, if any were made, in this response and never again.
      return { recoveryCodes: result.recoveryCodes, next: safeNext(input.tillbaka) ?? '/mina-tjanster/sakerhet?klart=app' };
    },
  }),

  removeTotp: defineAction({
    accept: 'form',
    input: z.object({}),
    handler: async (_input, context) => {
      const user = userOf(context.locals);
      const ctx = loginContext(context.locals, context.clientAddress);
      const result = await removeOwnTotp(context.locals.app.db, user, ctx.config.rules.mfaRequiredFor, ctx);
      if (result.kind === 'required') throw new ActionError({ code: 'CONFLICT', message: 'mfa.error.lastFactor' });
      return { redirect: '/mina-tjanster/sakerhet?klart=app-borttagen' };
    },
  }),

  renewRecoveryCodes: defineAction({
    accept: 'form',
    input: z.object({}),
    handler: async (_input, context) => {
      const codes = await renewRecoveryCodes(context.locals.app.db, userOf(context.locals), loginContext(context.locals, context.clientAddress));
      if (!codes) throw new ActionError({ code: 'CONFLICT', message: 'mfa.error.recovery.noFactor' });
      return { recoveryCodes: codes, next: '/mina-tjanster/sakerhet' };
    },
  }),
};

/** The support desk's part (the access rules keep the `support` namespace for staff). */
export const mfaSupport = {
  removeFactors: defineAction({
    accept: 'form',
    input: z.object({
      user: z.coerce.number().int().positive(),
      reason: z.string({ error: 'mfa.error.reason.required' }).trim().min(1, 'mfa.error.reason.required').max(1000, 'error.tooLong'),
    }),
    handler: async (input, context) => {
      const staff = userOf(context.locals);
      // Handing back the way in to someone else's account asks for the handläggare's own second factor.
      if (!hasSecondFactor(sessionOf(context.locals))) throw new ActionError({ code: 'FORBIDDEN', message: 'mfa.error.staffNeedsFactor' });
      const target = await findUserById(context.locals.app.db, input.user);
      if (!target) throw new ActionError({ code: 'NOT_FOUND', message: 'error.support.noUser' });
      if (!managedAtDesk(target)) throw new ActionError({ code: 'FORBIDDEN', message: 'error.support.staffAccount' });
      const ctx = loginContext(context.locals, context.clientAddress);
      await removeAllFactors(context.locals.app.db, target, { userId: staff.id, client: ctx.client }, input.reason, ctx);
      return { redirect: `/handlaggning/anvandare/${target.id}?klart=inloggningsmetoder` };
    },
  }),
};
