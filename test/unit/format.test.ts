import { describe, expect, it } from 'vitest';
import { formatOrgNumber } from '#server/platform/format.ts';

describe('organisation numbers as printed', () => {
  it('groups a stored number as NNNNNN-NNNN', () => {
    expect(formatOrgNumber('5560360793')).toBe('556036-0793');
  });

  it('prints a number with a wrong check digit grouped too, rather than failing the page', () => {
    expect(formatOrgNumber('5562222222')).toBe('556222-2222');
    expect(formatOrgNumber('abc')).toBe('abc');
  });
});
