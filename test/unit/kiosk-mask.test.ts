import { describe, expect, it } from 'vitest';
import { maskEmail } from '#server/kiosk/mask.ts';

describe('the e-mail address on the new-password step', () => {
  it.each([
    ['lisa.nord@bokskolan.example', 'l***@bokskolan.example'],
    ['a@b.example', 'a***@b.example'],
    ['ingen-snabel-a', '***'],
    ['@b.example', '***'],
  ])('shows %j as %j', (email, shown) => {
    expect(maskEmail(email)).toBe(shown);
  });
});
