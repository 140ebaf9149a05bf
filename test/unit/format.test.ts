import { describe, expect, it } from 'vitest';
import { formatOrgNumber, formatPersonnummer, formatPostalCode } from '#server/platform/format.ts';

describe('organisation numbers as printed', () => {
  it('groups a stored number as NNNNNN-NNNN', () => {
    expect(formatOrgNumber('5560360793')).toBe('556036-0793');
  });

  it('prints a number with a wrong check digit grouped too, rather than failing the page', () => {
    expect(formatOrgNumber('5562222222')).toBe('556222-2222');
    expect(formatOrgNumber('abc')).toBe('abc');
  });

  it('gives a number already grouped, or with its century, in the same form', () => {
    expect(formatOrgNumber('556036-0793')).toBe('556036-0793');
    expect(formatOrgNumber('16556036-0793')).toBe('556036-0793');
  });
});

describe('postal codes as printed and shown', () => {
  it('groups five digits as NNN NN, however they were written', () => {
    for (const written of ['90325', '903 25', ' 903  25 ', '9 0 3 2 5']) expect(formatPostalCode(written), written).toBe('903 25');
  });

  it('leaves anything that is not a Swedish postal code as written', () => {
    expect(formatPostalCode('FI-00100')).toBe('FI-00100');
    expect(formatPostalCode('1234')).toBe('1234');
    expect(formatPostalCode('')).toBe('');
  });
});

describe('personnummer as printed and shown', () => {
  it('writes a stored twelve-digit number as YYYYMMDD-NNNN', () => {
    expect(formatPersonnummer('199001010017')).toBe('19900101-0017');
    expect(formatPersonnummer('19900101-0017')).toBe('19900101-0017');
  });

  it('keeps a ten-digit number at ten digits, with its hyphen', () => {
    expect(formatPersonnummer('9001010017')).toBe('900101-0017');
  });

  it('leaves anything else as written', () => {
    expect(formatPersonnummer('')).toBe('');
    expect(formatPersonnummer('okänt')).toBe('okänt');
  });
});
