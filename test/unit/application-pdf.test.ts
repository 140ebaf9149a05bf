import { describe, expect, it } from 'vitest';
import { applicationSchema } from '#server/applications/schema.ts';
import { undertakingAreas } from '#server/pdf/application.ts';
import { applicationFields } from '../helpers/application.ts';

describe('the application documents', () => {
  it('include an Ansvarsförbindelse only for areas whose catalogue entry requires one', () => {
    expect(undertakingAreas(['ET', 'KK', 'YH'])).toEqual(['KK', 'YH']);
    expect(undertakingAreas(['ET'])).toEqual([]);
  });
});

describe('the application form rules', () => {
  const parse = (overrides: Record<string, unknown>) => applicationSchema.safeParse({ ...applicationFields(), areas: ['YH'], ...overrides });

  it('normalise organisation and personal numbers written in any accepted form', () => {
    for (const orgNumber of ['556677-8899', '5566778899', ' 556677-8899 ', '16556677-8899']) {
      const result = parse({ orgNumber });
      expect(result.success, orgNumber).toBe(true);
      expect(result.data?.orgNumber).toBe('5566778899');
    }
    for (const personnummer of ['19900101-0017', '199001010017', '900101-0017'])
      expect(parse({ signatoryPersonnummer: personnummer }).data?.signatoryPersonnummer, personnummer).toBe('199001010017');
  });

  it('copy the fullmaktsgivare into the fullmaktshavare when they are the same person', () => {
    const result = parse({ holderIsSignatory: 'ja', holderFirstName: '', holderLastName: '', holderPersonnummer: '' });
    expect(result.data).toMatchObject({ holderFirstName: 'Göran', holderLastName: 'Öst', holderPersonnummer: '199001010017' });
  });

  it('refuse unknown areas, a missing fullmaktshavare and numbers that fail their check digit', () => {
    const codes = (overrides: Record<string, unknown>) => (parse(overrides).error?.issues ?? []).map((issue) => `${issue.path.join('.')}:${issue.message}`);
    expect(codes({ areas: ['XX'] })).toContain('areas:error.areas.required');
    expect(codes({ holderFirstName: '' })).toContain('holderFirstName:error.firstName.required');
    expect(codes({ orgNumber: '556677-8890' })).toContain('orgNumber:error.orgNumber');
    expect(codes({ signatoryPersonnummer: '19900101-0018' })).toContain('signatoryPersonnummer:error.personnummer');
  });
});
