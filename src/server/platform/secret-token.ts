import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens of the shape `id.secret` (sessions, kiosk tickets, application drafts),
 * as lucia-auth.com teaches them: the browser holds both parts, Postgres holds the id
 * and a SHA-256 hash of the secret, so a leaked row cannot be turned into a token.
 */
export interface NewSecretToken {
  id: string;
  /** What the browser gets, and what exists nowhere else. */
  token: string;
  /** What the database keeps. */
  secretHash: Buffer;
}

// Longer parts than we ever make are refused before they reach a query.
const MAX_PART_LENGTH = 64;

export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** A fresh id (120 bits) and secret (192 bits). */
export function newSecretToken(): NewSecretToken {
  const id = randomBytes(15).toString('base64url');
  const secret = randomBytes(24).toString('base64url');
  return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

/** Splits `id.secret`; undefined for anything else, so callers never query with junk. */
export function parseSecretToken(token: string | undefined): { id: string; secret: string } | undefined {
  const [id, secret, extra] = (token ?? '').split('.');
  if (!id || !secret || extra !== undefined || id.length > MAX_PART_LENGTH || secret.length > MAX_PART_LENGTH) return undefined;
  return { id, secret };
}

/** Compares in constant time, so the answer's timing says nothing about the stored hash. */
export function secretMatches(secret: string, secretHash: Buffer): boolean {
  const given = hashSecret(secret);
  return given.length === secretHash.length && timingSafeEqual(given, secretHash);
}
