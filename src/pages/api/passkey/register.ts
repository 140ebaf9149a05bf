import type { APIRoute } from 'astro';
import { finishRegistration, mayRegister, NAME_MAX_LENGTH } from '#server/identity/passkeys.ts';
import { hasSecondFactor, recordSecondFactor } from '#server/identity/session.ts';
import { safeNext } from '#web/auth-cookies.ts';
import { clientOf, ok, readJson, refused, registerBody, type RegistrationResponseJSON, rp } from './_shared.ts';

export const prerender = false;

/** Step two of adding a passkey: the authenticator's answer, checked and kept under its name. */
export const POST: APIRoute = async (context) => {
  const { user, session, app } = context.locals;
  if (!user || !session) return refused(401, 'passkey.error.signedOut');
  const body = await readJson(context.request, registerBody);
  if ('error' in body) return body.error;
  const name = body.data.name.normalize('NFC').trim();
  if (!name) return refused(400, 'passkey.error.nameRequired', { field: 'passkey-name' });
  if (name.length > NAME_MAX_LENGTH) return refused(400, 'passkey.error.nameTooLong', { field: 'passkey-name' });
  // Checked again: a factor added since the options were given closes the door for a password-only session.
  if (!(await mayRegister(app.db, session))) return refused(403, 'passkey.error.needsSecondFactor');
  const outcome = await finishRegistration(
    app.db,
    user,
    body.data.response as unknown as RegistrationResponseJSON,
    name,
    rp(context),
    app.clock,
    clientOf(context).client,
  );
  switch (outcome.kind) {
    case 'expired':
      return refused(400, 'passkey.error.expired');
    case 'failed':
      return refused(400, 'passkey.error.registerFailed');
    case 'duplicate':
      return refused(409, 'passkey.error.duplicate');
    case 'ok':
      // The first factor, enrolled with user verification, counts for this session: the
      // password alone could add it, so asking for it again at once would prove nothing.
      if (!hasSecondFactor(session)) await recordSecondFactor(app.db, session.id, ['hwk'], app.clock);
      return ok({ redirect: safeNext(body.data.next) ?? '/mina-tjanster/sakerhet/passkeys?ny=1' });
  }
};
