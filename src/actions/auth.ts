import type { AppContext } from '#server/platform/context.ts';
import { ActionError, defineAction } from 'astro:actions';
import { z } from 'astro/zod';
import { clearTicketCookie, readTicketCookie, setSessionCookie, setTicketCookie } from '#web/auth-cookies.ts';
import { checkCaptcha } from '#server/identity/captcha.ts';
import { readTicket } from '#server/kiosk/ticket.ts';
import { enterCode, enterCodeForUsername, requestReset, setNewPassword, startChange } from '#server/kiosk/kiosk.ts';
import { MAX_PASSWORD_LENGTH } from '#server/identity/password.ts';
import { honeypotField as honeypot, loginInput, loginUsername as username, passwordLogin, secretField as secret } from '#web/password-login.ts';
import { loginContext, sessionLimits, throttleClient } from '#web/request-context.ts';
import { refuse } from '#web/refusal.ts';

/** Form fields (shared with the login form's schema): trimmed where a person would not mean the spaces; passwords exactly as typed. */
const captcha = z.string().max(20_000).optional();

/** A captcha payload that is present must be valid and unused; an absent one (no JavaScript) passes to the rate limits. */
async function requireCaptcha(app: AppContext, payload: string | undefined): Promise<void> {
  const check = await checkCaptcha(app.db, payload, app.config.secretKey, app.clock);
  if (check === 'invalid' || check === 'used') throw new ActionError({ code: 'BAD_REQUEST', message: 'error.captcha.failed' });
}

const tooMany = (locals: App.Locals, retryAfter: number) =>
  refuse(locals, 'TOO_MANY_REQUESTS', 'error.tooManyAttempts', { params: { minutes: Math.ceil(retryAfter / 60) } });
const failed = () => new ActionError({ code: 'UNAUTHORIZED', message: 'error.login.failed' });
// Said only to whoever typed the expired code itself (login.ts): it points to Glömt lösenord.
const oneTimePasswordExpired = (locals: App.Locals) => refuse(locals, 'UNAUTHORIZED', 'error.oneTimePassword.expired', { field: 'password' });
const locked = (locals: App.Locals, until: Date) => refuse(locals, 'UNAUTHORIZED', 'error.login.locked', { params: { until: until.toISOString() } });

export const auth = {
  login: defineAction({
    accept: 'form',
    input: loginInput,
    handler: async (input, context) => {
      const { app } = context.locals;
      // The front server may have run this very login already (password-login.ts): its result, not a second attempt.
      const result =
        context.locals.passwordLogin ?? (await passwordLogin(app, input, context.clientAddress ?? 'unknown', context.request.headers.get('user-agent') ?? ''));
      switch (result.kind) {
        case 'tooMany':
          throw tooMany(context.locals, result.retryAfterSeconds);
        case 'failed':
        case 'locked':
          // No username in the log: the audit row says who, the log line that it happened.
          app.log.info({ outcome: result.kind }, 'login refused');
          throw result.kind === 'locked' ? locked(context.locals, result.until) : failed();
        case 'passwordExpired':
          setTicketCookie(context, result.ticket);
          return { redirect: result.to };
        case 'signedIn':
          setSessionCookie(context, result.token, sessionLimits(app.config).absoluteMs);
          return { redirect: result.to };
      }
    },
  }),

  startChange: defineAction({
    accept: 'form',
    input: z.object({ username, password: secret('error.currentPassword.required'), webbplats: honeypot, altcha: captcha }),
    handler: async (input, context) => {
      const ctx = loginContext(context.locals, context.clientAddress);
      const throttle = await throttleClient(context.locals.app, ctx.address, 'kiosk-client');
      if (!throttle.allowed) throw tooMany(context.locals, throttle.retryAfterSeconds);
      await requireCaptcha(context.locals.app, input.altcha);
      const result = await startChange(context.locals.app.db, input.username, input.webbplats ? `${input.password}\u0000` : input.password, ctx);
      if (result.kind === 'failed') throw failed();
      if (result.kind === 'oneTimePasswordExpired') throw oneTimePasswordExpired(context.locals);
      if (result.kind === 'locked') throw locked(context.locals, result.until);
      setTicketCookie(context, result.ticket);
      return { redirect: '/losenordskiosk/nytt-losenord' };
    },
  }),

  requestReset: defineAction({
    accept: 'form',
    input: z.object({ username, webbplats: honeypot, altcha: captcha }),
    handler: async (input, context) => {
      const ctx = loginContext(context.locals, context.clientAddress);
      const throttle = await throttleClient(context.locals.app, ctx.address, 'kiosk-client');
      if (!throttle.allowed) throw tooMany(context.locals, throttle.retryAfterSeconds);
      await requireCaptcha(context.locals.app, input.altcha);
      // A bot that fills the hidden field gets the usual answer and no mail.
      const { ticket } = await requestReset(context.locals.app.db, input.webbplats ? '\u0000' : input.username, ctx);
      setTicketCookie(context, ticket);
      return { redirect: '/losenordskiosk/glomt/kod' };
    },
  }),

  enterCode: defineAction({
    accept: 'form',
    input: z.object({
      // Only in a browser without the step's cookie (the e-mail opened on another device).
      username: z.string().trim().max(64, 'error.username.required').nullish(),
      code: z.string({ error: 'error.code.required' }).trim().min(1, 'error.code.required').max(64, 'error.code.wrong'),
    }),
    handler: async (input, context) => {
      const ctx = loginContext(context.locals, context.clientAddress);
      const throttle = await throttleClient(context.locals.app, ctx.address, 'kiosk-client');
      if (!throttle.allowed) throw tooMany(context.locals, throttle.retryAfterSeconds);
      const ticket = await readTicket(context.locals.app.db, readTicketCookie(context.cookies), 'code', ctx.clock);
      if (!ticket && !input.username) throw refuse(context.locals, 'BAD_REQUEST', 'error.username.required', { field: 'username' });
      const result = ticket
        ? await enterCode(context.locals.app.db, ticket, input.code, ctx)
        : await enterCodeForUsername(context.locals.app.db, input.username ?? '', input.code, ctx);
      if (result.kind === 'wrong') throw new ActionError({ code: 'BAD_REQUEST', message: 'error.code.wrong' });
      if (result.kind === 'void') throw new ActionError({ code: 'FORBIDDEN', message: 'error.code.void' });
      if (result.kind === 'expired') throw new ActionError({ code: 'FORBIDDEN', message: 'error.code.expired' });
      // In a browser that asked for the code the cookie held the code step; it now holds the next one.
      setTicketCookie(context, result.ticket);
      return { redirect: '/losenordskiosk/nytt-losenord' };
    },
  }),

  setPassword: defineAction({
    accept: 'form',
    input: z.object({
      newPassword: secret('error.newPassword.required'),
      confirmPassword: z.string({ error: 'error.newPassword.mismatch' }).max(MAX_PASSWORD_LENGTH * 4, 'error.password.tooLong'),
    }),
    handler: async (input, context) => {
      const ctx = loginContext(context.locals, context.clientAddress);
      const ticket = await readTicket(context.locals.app.db, readTicketCookie(context.cookies), 'new_password', ctx.clock);
      if (!ticket) throw new ActionError({ code: 'FORBIDDEN', message: 'error.kiosk.expired' });
      const result = await setNewPassword(context.locals.app.db, ticket, input.newPassword, input.confirmPassword, ctx);
      if (result.kind === 'expired') throw new ActionError({ code: 'FORBIDDEN', message: 'error.kiosk.expired' });
      if (result.kind === 'invalid') {
        const field = result.problem === 'mismatch' ? 'confirmPassword' : 'newPassword';
        throw refuse(context.locals, 'BAD_REQUEST', `error.newPassword.${result.problem}`, { field, params: { min: ctx.config.rules.passwordMinLength } });
      }
      clearTicketCookie(context);
      // "Your other logins have ended" only when there were any: not to a brand-new user.
      return { redirect: result.sessionsEnded > 0 ? '/losenordskiosk/klart?avslutade=1' : '/losenordskiosk/klart' };
    },
  }),
};
