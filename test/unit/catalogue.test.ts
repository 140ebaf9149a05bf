import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRoles, DEFAULT_CATALOGUE_FILE, findRole, loadCatalogue } from '#server/organisation/catalogue.ts';
import { tempDir } from '../helpers/temp-dir.ts';

describe('the role catalogue', () => {
  const catalogue = loadCatalogue(DEFAULT_CATALOGUE_FILE);

  it('has the three default areas and their seven service roles', () => {
    expect(catalogue.areas.map((area) => area.key)).toEqual(['YH', 'KK', 'ET']);
    expect(allRoles(catalogue).map((role) => role.name)).toEqual([
      'Hantera ansökan YH', 'Hantera beviljad utbildning YH', 'Hantera studiedokumentation YH',
      'Hantera ansökan KK', 'Hantera beviljad utbildning KK',
      'Hantera ansökan ET', 'Hantera beviljad utbildning ET',
    ]);
    expect(findRole('KK_BEVILJAD', catalogue)?.area).toBe('KK');
  });

  it('takes another authority\'s catalogue from a file, and refuses one whose role names an unknown service', () => {
    const dir = tempDir('catalogue');
    try {
      const file = path.join(dir.path, 'other.json');
      const other = {
        services: [{ key: 'tider', name: 'Studietider och utbildningar', description: 'd', url: 'https://a.example/' }],
        areas: [{ key: 'A', name: 'Annat område', requiresUndertaking: false, roles: [{ key: 'A_TIDER', name: 'Rapportera tider', service: 'tider' }] }],
      };
      writeFileSync(file, JSON.stringify(other));
      expect(allRoles(loadCatalogue(file)).map((role) => role.key)).toEqual(['A_TIDER']);
      other.areas[0].roles[0].service = 'saknas';
      writeFileSync(file, JSON.stringify(other));
      expect(() => loadCatalogue(file)).toThrow(/unknown service saknas/);
    } finally {
      dir.remove();
    }
  });
});
