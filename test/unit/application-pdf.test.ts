import { describe, expect, it } from 'vitest';
import { undertakingAreas } from '#server/pdf/application.ts';

describe('the application documents', () => {
  it('include an Ansvarsförbindelse only for areas whose catalogue entry requires one', () => {
    expect(undertakingAreas(['ET', 'KK', 'YH'])).toEqual(['KK', 'YH']);
    expect(undertakingAreas(['ET'])).toEqual([]);
  });
});
