import { describe, expect, it } from 'vitest';
import Personnummer from 'personnummer';
import Organisationsnummer from 'organisationsnummer';
import { applicationSchema, orgNumberSchema } from '#server/applications/schema.ts';
import { toFieldErrors } from '#web/form-errors.ts';
import sv from '../../src/i18n/sv.json' with { type: 'json' };
import { applicationFields } from '../helpers/application.ts';

describe('the application form rules', () => {
  const parse = (overrides: Record<string, unknown>) => applicationSchema.safeParse({ ...applicationFields(), areas: ['YH'], ...overrides });
  const codes = (overrides: Record<string, unknown>) => (parse(overrides).error?.issues ?? []).map((issue) => `${issue.path.join('.')}:${issue.message}`);

  it('normalise organisation and personal numbers written in any accepted form', () => {
    for (const orgNumber of ['556677-8899', '5566778899', ' 556677-8899 ', '16556677-8899']) {
      const result = parse({ orgNumber });
      expect(result.success, orgNumber).toBe(true);
      expect(result.data?.orgNumber).toBe('5566778899');
    }
    for (const personnummer of ['19900101-0017', '199001010017', '900101-0017'])
      expect(parse({ signatoryPersonnummer: personnummer }).data?.signatoryPersonnummer, personnummer).toBe('199001010017');
  });

  it('copy the fullmaktsgivare into the fullmaktshavare when they are the same person, ignoring whatever the holder fields hold', () => {
    for (const holder of [
      { holderFirstName: '', holderLastName: '', holderPersonnummer: '' },
      { holderFirstName: 'Någon', holderLastName: 'Annan', holderPersonnummer: 'inte ett nummer' },
      { holderFirstName: 'x'.repeat(500), holderLastName: '\u202e', holderPersonnummer: undefined },
    ]) {
      const result = parse({ holderIsSignatory: 'ja', ...holder });
      expect(result.success, JSON.stringify(holder)).toBe(true);
      expect(result.data).toMatchObject({ holderFirstName: 'Göran', holderLastName: 'Öst', holderPersonnummer: '199001010017' });
    }
    // Without the box the holder's own answers count.
    expect(parse({}).data).toMatchObject({ holderFirstName: 'Åsa', holderLastName: 'Ängström', holderPersonnummer: '198502020012' });
  });

  it('refuse unknown areas, a missing fullmaktshavare and numbers that fail their check digit, naming whose field it is', () => {
    expect(codes({ areas: ['XX'] })).toContain('areas:error.areas.required');
    expect(codes({ holderFirstName: '' })).toContain('holderFirstName:error.holderFirstName.required');
    expect(codes({ signatoryFirstName: '' })).toContain('signatoryFirstName:error.signatoryFirstName.required');
    expect(codes({ signatoryPersonnummer: '19900101-0018' })).toContain('signatoryPersonnummer:error.signatoryPersonnummer');
    expect(codes({ holderPersonnummer: '19850202-0013' })).toContain('holderPersonnummer:error.holderPersonnummer');
    expect(codes({ holderFirstName: 'x'.repeat(101) })).toContain('holderFirstName:error.tooLong');
  });

  it('tell a wrong check digit from a wrong number of digits and from a blank field', () => {
    const message = (value: string) => orgNumberSchema.safeParse(value).error?.issues[0]?.message;
    expect(message('556677-8890')).toBe('error.orgNumber.checkDigit');
    expect(message('5566778890')).toBe('error.orgNumber.checkDigit');
    expect(message('556677-889')).toBe('error.orgNumber');
    expect(message('55667788990')).toBe('error.orgNumber');
    expect(message('')).toBe('error.orgNumber.required');
    expect(message('  ')).toBe('error.orgNumber.required');
    expect(message('556677-8899')).toBeUndefined();
  });

  it('flag every field of a blank form at once, the fullmaktshavare too, each message naming its person', () => {
    const result = applicationSchema.safeParse({ areas: [] });
    const errors = toFieldErrors(result.error!.issues, []);
    const fields = errors.map((error) => error.field);
    for (const field of [
      'orgNumber',
      'orgName',
      'areas',
      'signatoryFirstName',
      'signatoryPersonnummer',
      'holderFirstName',
      'holderLastName',
      'holderPersonnummer',
      'holderEmail',
    ])
      expect(fields, field).toContain(field);
    const text = Object.fromEntries(errors.map((error) => [error.field, error.message]));
    expect(text.signatoryFirstName).toBe('Ange fullmaktsgivarens förnamn');
    expect(text.holderFirstName).toBe('Ange fullmaktshavarens förnamn');
    expect(text.signatoryPersonnummer).toBe('Ange fullmaktsgivarens personnummer');
    expect(text.holderPersonnummer).toBe('Ange fullmaktshavarens personnummer');
    for (const [field, message] of Object.entries(text)) {
      if (field.startsWith('signatory')) expect(message, field).toContain('fullmaktsgivarens');
      if (field.startsWith('holder')) expect(message, field).toContain('fullmaktshavarens');
    }
  });

  it('give examples in its messages that are themselves valid', () => {
    const texts = Object.entries(sv).filter(([key]) => /^(error|apply)\.(orgNumber|signatoryPersonnummer|holderPersonnummer|personnummer)/.test(key));
    expect(texts.length).toBeGreaterThan(3);
    for (const [key, text] of texts) {
      for (const example of text.match(/\b\d{8}-\d{4}\b/g) ?? []) expect(Personnummer.valid(example), `${key}: ${example}`).toBe(true);
      for (const example of text.match(/\b\d{6}-\d{4}\b/g) ?? []) expect(Organisationsnummer.valid(example), `${key}: ${example}`).toBe(true);
    }
  });
});

describe('the application form rules on what is not a form', () => {
  it('refuse a missing or malformed draft without throwing', () => {
    for (const value of [undefined, null, 'text', 42, [], { areas: 'YH' }, { areas: null, holderFirstName: 7 }])
      expect(applicationSchema.safeParse(value).success, JSON.stringify(value)).toBe(false);
  });
});
