import { describe, expect, it } from 'vitest';
import { hashSecret, newSecretToken, parseSecretToken, secretMatches } from '#server/platform/secret-token.ts';

describe('id.secret tokens', () => {
  it('gives the browser id.secret and keeps only a hash that the secret matches', () => {
    const made = newSecretToken();
    const parsed = parseSecretToken(made.token);
    expect(parsed?.id).toBe(made.id);
    expect(made.token).not.toContain(made.secretHash.toString('base64url'));
    expect(secretMatches(parsed!.secret, made.secretHash)).toBe(true);
    expect(secretMatches(`${parsed!.secret}x`, made.secretHash)).toBe(false);
  });

  it('refuses tokens that are not exactly two short parts', () => {
    for (const token of [undefined, '', 'id', 'id.', '.secret', 'a.b.c', `${'a'.repeat(65)}.b`, `a.${'b'.repeat(65)}`]) {
      expect(parseSecretToken(token), String(token)).toBeUndefined();
    }
    expect(parseSecretToken('a.b')).toEqual({ id: 'a', secret: 'b' });
  });

  it('refuses a stored hash of another length without throwing', () => {
    expect(secretMatches('s', hashSecret('s').subarray(0, 16))).toBe(false);
  });
});
