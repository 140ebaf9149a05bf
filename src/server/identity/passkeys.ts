import { deleteRecoveryCodes } from '#server/identity/recovery-codes.ts';
import { mfaRequired } from '#server/identity/second-factor.ts';
import { randomBytes } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { COSEALG } from '@simplewebauthn/server/helpers';
import type { Selectable } from 'kysely';
import { hasSecondFactor, type ValidSession } from '#server/identity/session.ts';
import { findUserById, type User } from '#server/identity/users.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Clock } from '#server/platform/clock.ts';
import type { Config } from '#server/platform/config.ts';
import type { Db, Tx } from '#server/platform/database.ts';
import type { Passkey as PasskeyTable } from '#server/platform/db-types.ts';

/**
 * Passkeys (WebAuthn): registered on the security pages, used to log in alone (a
 * discoverable credential with user verification is two factors in one) or as the second
 * step after a password. Challenges live in Postgres, so any instance can check an
 * answer, and each is deleted as it is used: an answer can be played once.
 */
export type Passkey = Selectable<PasskeyTable>;
export type ChallengePurpose = 'register' | 'login' | 'step_up';

/** The relying party: this portal, named by the host of PUBLIC_URL (an IP address is no valid RP ID). */
export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

export const relyingParty = (config: Config, name: string): RelyingParty => ({ id: config.publicUrl.hostname, name, origin: config.publicUrl.origin });

/** Long enough to find the passkey and touch it; short enough that a stolen challenge is soon worth nothing. */
export const CHALLENGE_LIFETIME_MS = 5 * 60_000;
const TIMEOUT_MS = 2 * 60_000;
export const NAME_MAX_LENGTH = 60;
// The library adds ML-DSA-44 where Node has it, which Node still calls experimental (and warns
// about in the log); the three every authenticator offers are asked for and accepted.
const ALGORITHMS = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];

/** A user's passkeys, newest first. */
export function listPasskeys(db: Db | Tx, userId: number): Promise<Passkey[]> {
  return db.selectFrom('passkey').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
}

/** Whether the user has any second factor: a passkey or a confirmed authenticator app. */
export async function hasFactor(db: Db | Tx, userId: number): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('passkey').select('credential_id').where('user_id', '=', userId)).as('passkey'),
      eb.exists(eb.selectFrom('totp_factor').select('user_id').where('user_id', '=', userId).where('confirmed_at', 'is not', null)).as('totp'),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(row.passkey) || Boolean(row.totp);
}

/** Whether MFA_REQUIRED_FOR puts the user in a group that must keep a second factor (the guard's rule). */
export async function factorRequired(_db: Db | Tx, user: User, config: Config): Promise<boolean> {
  return mfaRequired(user, config.rules.mfaRequiredFor);
}

/**
 * Who may add a passkey in this session: a user with no factor yet (enrolment), or a
 * session that has already shown one. A password alone must not add a factor to an
 * account that has one, or a stolen password would buy a way past the second step.
 */
export async function mayRegister(db: Db | Tx, session: Pick<ValidSession, 'userId' | 'amr'>): Promise<boolean> {
  return hasSecondFactor(session) || !(await hasFactor(db, session.userId));
}

async function storeChallenge(db: Db, purpose: ChallengePurpose, challenge: string, userId: number | null, clock: Clock): Promise<void> {
  const now = clock.now();
  // Expired challenges go as new ones come: the table holds minutes of traffic at most.
  await db.deleteFrom('webauthn_challenge').where('expires_at', '<=', now).execute();
  await db
    .insertInto('webauthn_challenge')
    .values({
      id: randomBytes(16).toString('base64url'),
      challenge,
      purpose,
      user_id: userId,
      expires_at: new Date(now.getTime() + CHALLENGE_LIFETIME_MS),
    })
    .execute();
}

/**
 * Takes the challenge the browser signed out of the table, if it is ours, for this purpose
 * and user, and still valid. One DELETE … RETURNING: of two answers with the same
 * challenge, only one finds it.
 */
export async function consumeChallenge(
  db: Db | Tx,
  purpose: ChallengePurpose,
  clientDataJSON: string,
  userId: number | null,
  clock: Clock,
): Promise<string | undefined> {
  const challenge = challengeOf(clientDataJSON);
  if (!challenge) return undefined;
  let query = db.deleteFrom('webauthn_challenge').where('challenge', '=', challenge).where('purpose', '=', purpose).where('expires_at', '>', clock.now());
  query = userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', userId);
  const row = await query.returning('challenge').executeTakeFirst();
  return row?.challenge;
}

/** The challenge in a response's client data (base64url JSON), or nothing when it is not that. */
function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof data.challenge === 'string' && data.challenge.length <= 200 ? data.challenge : undefined;
  } catch {
    return undefined;
  }
}

// The user handle the authenticator keeps: the account's id, no name, no personal data.
const userHandle = (userId: number) => Buffer.from(String(userId), 'utf8');

/** Options for navigator.credentials.create: a discoverable credential, verified user, none of the user's own passkeys again. */
export async function registrationOptions(db: Db, user: User, rp: RelyingParty, clock: Clock): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await listPasskeys(db, user.id);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: userHandle(user.id),
    userDisplayName: `${user.first_name} ${user.last_name}`.trim(),
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({ id: passkey.credential_id, transports: passkey.transports })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  await storeChallenge(db, 'register', options.challenge, user.id, clock);
  return options;
}

export type RegistrationOutcome = { kind: 'ok'; passkey: Passkey } | { kind: 'expired' } | { kind: 'failed' } | { kind: 'duplicate' };

/** Checks the new credential against its challenge and keeps it under the name the user gave. */
export async function finishRegistration(
  db: Db,
  user: User,
  response: RegistrationResponseJSON,
  name: string,
  rp: RelyingParty,
  clock: Clock,
  client: string,
): Promise<RegistrationOutcome> {
  const challenge = await consumeChallenge(db, 'register', response.response.clientDataJSON, user.id, clock);
  if (!challenge) return { kind: 'expired' };
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    requireUserVerification: true,
    supportedAlgorithmIDs: ALGORITHMS,
  }).catch(() => undefined);
  if (!verification?.verified) return { kind: 'failed' };
  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const passkey = await trx
      .insertInto('passkey')
      .values({
        credential_id: credential.id,
        user_id: user.id,
        name,
        public_key: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? [],
        device_type: credentialDeviceType,
        backed_up: credentialBackedUp,
        created_at: now,
      })
      .onConflict((oc) => oc.column('credential_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!passkey) return { kind: 'duplicate' } as const;
    await recordAudit(trx, {
      event: 'passkey.registered',
      at: now,
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client,
      detail: { name },
    });
    return { kind: 'ok', passkey } as const;
  });
}

/**
 * Options for navigator.credentials.get. To log in (no user yet) the browser offers any
 * of its passkeys for this site; for a step-up only the signed-in user's own.
 */
export async function authenticationOptions(
  db: Db,
  purpose: 'login' | 'step_up',
  rp: RelyingParty,
  clock: Clock,
  userId: number | null = null,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = purpose === 'step_up' && userId !== null ? await listPasskeys(db, userId) : undefined;
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    timeout: TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: allow?.map((passkey) => ({ id: passkey.credential_id, transports: passkey.transports })),
  });
  await storeChallenge(db, purpose, options.challenge, purpose === 'step_up' ? userId : null, clock);
  return options;
}

export type AuthenticationOutcome = { kind: 'ok'; user: User; passkey: Passkey } | { kind: 'expired' } | { kind: 'failed'; userId: number | null };

/**
 * Checks an assertion: the challenge (taken once), the passkey (the user's own for a
 * step-up), its signature with user verification, and an active account. The counter and
 * the time of use are kept. An unknown passkey and an inactive account fail alike.
 */
export async function finishAuthentication(
  db: Db,
  purpose: 'login' | 'step_up',
  response: AuthenticationResponseJSON,
  rp: RelyingParty,
  clock: Clock,
  userId: number | null = null,
): Promise<AuthenticationOutcome> {
  const challenge = await consumeChallenge(db, purpose, response.response.clientDataJSON, purpose === 'step_up' ? userId : null, clock);
  if (!challenge) return { kind: 'expired' };
  const passkey = await db.selectFrom('passkey').selectAll().where('credential_id', '=', response.id).executeTakeFirst();
  if (!passkey || (userId !== null && passkey.user_id !== userId)) return { kind: 'failed', userId: null };
  // A discoverable credential names its account; it must be the one the passkey belongs to.
  const handle = response.response.userHandle;
  if (handle && Buffer.from(handle, 'base64url').toString('utf8') !== String(passkey.user_id)) return { kind: 'failed', userId: passkey.user_id };
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.id,
    credential: { id: passkey.credential_id, publicKey: new Uint8Array(passkey.public_key), counter: passkey.counter, transports: passkey.transports },
    requireUserVerification: true,
  }).catch(() => undefined);
  if (!verification?.verified) return { kind: 'failed', userId: passkey.user_id };
  const user = await findUserById(db, passkey.user_id);
  if (user?.status !== 'active') return { kind: 'failed', userId: passkey.user_id };
  const info = verification.authenticationInfo;
  const used = await db
    .updateTable('passkey')
    .set({ counter: info.newCounter, backed_up: info.credentialBackedUp, last_used_at: clock.now() })
    .where('credential_id', '=', passkey.credential_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { kind: 'ok', user, passkey: used };
}

export type RemovalOutcome = 'ok' | 'notFound' | 'needsSecondFactor' | 'lastRequired';

/**
 * Removes one of the user's passkeys. Only a session that has shown a second factor may
 * remove one, and the last factor of a user who must have one stays. The user's passkeys
 * are locked while it is decided, so two removals at once cannot both take "the other one".
 */
export async function removePasskey(
  db: Db,
  user: User,
  session: Pick<ValidSession, 'amr'>,
  credentialId: string,
  config: Config,
  clock: Clock,
  client: string,
): Promise<RemovalOutcome> {
  return db.transaction().execute(async (trx) => {
    const passkeys = await trx.selectFrom('passkey').select(['credential_id', 'name']).where('user_id', '=', user.id).forUpdate().execute();
    const target = passkeys.find((passkey) => passkey.credential_id === credentialId);
    if (!target) return 'notFound';
    if (!hasSecondFactor(session)) return 'needsSecondFactor';
    const totp =
      passkeys.length === 1
        ? await trx
            .selectFrom('totp_factor')
            .select('user_id')
            .where('user_id', '=', user.id)
            .where('confirmed_at', 'is not', null)
            .forUpdate()
            .executeTakeFirst()
        : undefined;
    const last = passkeys.length === 1 && !totp;
    if (last && (await factorRequired(trx, user, config))) return 'lastRequired';
    await trx.deleteFrom('passkey').where('credential_id', '=', credentialId).execute();
    // With the last factor gone the password is enough again, and recovery codes have nothing left to stand in for.
    if (last) await deleteRecoveryCodes(trx, user.id);
    await recordAudit(trx, {
      event: 'passkey.removed',
      at: clock.now(),
      actorUserId: user.id,
      subjectUserId: user.id,
      organisationId: user.organisation_id,
      client,
      detail: { name: target.name },
    });
    return 'ok';
  });
}

/** One of the user's passkeys, for the page that confirms its removal. */
export function findOwnPasskey(db: Db | Tx, userId: number, credentialId: string): Promise<Passkey | undefined> {
  return db.selectFrom('passkey').selectAll().where('user_id', '=', userId).where('credential_id', '=', credentialId).executeTakeFirst();
}
