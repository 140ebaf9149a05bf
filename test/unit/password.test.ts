import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, needsRehash, passwordLength, verifyDummy, verifyPassword } from '#server/identity/password.ts';

const context = { minLength: 15, username: 'ab1234', organisationName: 'Demoskolan AB' };

describe('password rules', () => {
  it.each([
    ['kort lösen', 'tooShort'],
    ['x'.repeat(257), 'tooLong'],
    ['passwordpassword', 'common'],
    ['aaaaaaaaaaaaaaaaaaaa', 'common'],
    ['mitt ab1234 är bäst ok', 'containsUsername'],
    ['demoskolan är min skola', 'containsOrganisation'],
    ['fyra ord som ingen gissar', undefined],
    ['ÅÄÖ-åäö-ÅÄÖ-åäö-fjärilar', undefined],
  ])('judge %j as %s', (password, problem) => {
    expect(checkPasswordPolicy(password, context)).toBe(problem);
  });

  it('count characters as code points after NFKC, so an emoji or a composed letter is one character', () => {
    expect(passwordLength('å'.normalize('NFD'))).toBe(1);
    expect(passwordLength('🙂')).toBe(1);
    expect(checkPasswordPolicy('🙂'.repeat(14), context)).toBe('tooShort');
  });

  it('accept a password typed in another Unicode form and never truncate a long one', async () => {
    const stored = await hashPassword('blåbär i skogen på hösten');
    expect(await verifyPassword(stored, 'blåbär i skogen på hösten'.normalize('NFD'))).toBe(true);
    const long = 'ett långt lösenord '.repeat(10);
    const longHash = await hashPassword(long);
    expect(await verifyPassword(longHash, long.slice(0, -1))).toBe(false);
    expect(needsRehash(stored)).toBe(false);
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$abc$def')).toBe(true);
    expect(await verifyDummy('vad som helst')).toBe(false);
  });
});
