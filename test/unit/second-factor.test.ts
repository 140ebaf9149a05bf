import { describe, expect, it } from 'vitest';
import { ManualClock } from '#server/platform/clock.ts';
import { mfaRequired } from '#server/identity/second-factor.ts';
import { groupedKey, keyUri, matchingStep, openSecret, sealSecret, totpCode, totpStep } from '#server/identity/totp.ts';

const KEY = 'en hemlig nyckel med minst trettiotvå tecken';
// RFC 6238, appendix B: the SHA-1 secret, and its codes at 59 s and 1111111109 s (last six of eight digits).
const RFC_SECRET = new TextEncoder().encode('12345678901234567890');

describe('authenticator codes', () => {
  it('makes the codes of RFC 6238', () => {
    expect(totpCode(RFC_SECRET, totpStep(new Date(59_000)))).toBe('287082');
    expect(totpCode(RFC_SECRET, totpStep(new Date(1_111_111_109_000)))).toBe('081804');
  });

  it('accepts the code of the step before, now and after, and nothing further', () => {
    const clock = new ManualClock('2026-06-01T08:00:10Z');
    const now = totpStep(clock.now());
    for (const offset of [-1, 0, 1]) expect(matchingStep(RFC_SECRET, totpCode(RFC_SECRET, now + offset), clock)).toBe(now + offset);
    for (const offset of [-2, 2]) expect(matchingStep(RFC_SECRET, totpCode(RFC_SECRET, now + offset), clock)).toBeNull();
    expect(matchingStep(RFC_SECRET, `${totpCode(RFC_SECRET, now).slice(0, 3)} ${totpCode(RFC_SECRET, now).slice(3)}`, clock)).toBe(now);
  });

  it('seals the secret so that only the same SECRET_KEY opens it, and a changed byte is refused', () => {
    const sealed = sealSecret(RFC_SECRET, KEY);
    expect(sealed.includes(Buffer.from(RFC_SECRET))).toBe(false);
    expect(openSecret(sealed, KEY)).toEqual(RFC_SECRET);
    expect(() => openSecret(sealed, `${KEY}!`)).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => openSecret(tampered, KEY)).toThrow();
  });

  it('shows the key in groups of four and names the issuer and account in the QR code', () => {
    expect(groupedKey(RFC_SECRET)).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    expect(keyUri(RFC_SECRET, 'Anordnarportalen', 'hl1001')).toBe(
      'otpauth://totp/Anordnarportalen:hl1001?issuer=Anordnarportalen&algorithm=SHA1&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=30&digits=6',
    );
  });
});

describe('who must have a second factor', () => {
  const staff = { kind: 'staff', org_role: null } as const;
  const admin = { kind: 'member', org_role: 'admin_org' } as const;
  const holder = { kind: 'member', org_role: 'fullmaktshavare' } as const;
  const reporter = { kind: 'member', org_role: null } as const;
  it.each([
    [['staff'], [true, false, false, false]],
    [['admins'], [false, true, true, false]],
    [
      ['staff', 'admins'],
      [true, true, true, false],
    ],
    [['all'], [true, true, true, true]],
    [['none'], [false, false, false, false]],
    [[], [false, false, false, false]],
  ] as const)('MFA_REQUIRED_FOR=%s: staff, administratör organisation, fullmaktshavare, rapportör → %s', (groups, expected) => {
    expect([staff, admin, holder, reporter].map((user) => mfaRequired(user, groups))).toEqual(expected);
  });
});
