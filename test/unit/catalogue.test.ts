import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allRoles, DEFAULT_CATALOGUE_FILE, findArea, findRole, findService, loadCatalogue } from '#server/organisation/catalogue.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A small catalogue of another authority, as a plain object to break in each test. */
const other = () => ({
  services: [
    { key: 'tider', name: 'Studietider och utbildningar', description: 'd', url: 'https://a.example/' },
    { key: 'intyg', name: 'Intyg', description: 'd', url: 'https://b.example/' },
  ],
  areas: [
    { key: 'A', name: 'Annat område', requiresUndertaking: false, roles: [{ key: 'A_TIDER', name: 'Rapportera tider', service: 'tider' }] },
    {
      key: 'B',
      name: 'Bortre området',
      requiresUndertaking: true,
      roles: [
        { key: 'B_INTYG', name: 'Skriva intyg', service: 'intyg' },
        { key: 'B_TIDER', name: 'Se tider', service: 'tider' },
      ],
    },
  ],
});

describe('the role catalogue', () => {
  let dir: ReturnType<typeof tempDir>;
  let file: string;
  const write = (content: unknown) => writeFileSync(file, JSON.stringify(content));
  beforeEach(() => {
    dir = tempDir('catalogue');
    file = path.join(dir.path, 'other.json');
  });
  afterEach(() => dir.remove());

  it("takes another authority's catalogue from a file and finds each role, area and service the file names", () => {
    write(other());
    const catalogue = loadCatalogue(file);
    expect(allRoles(catalogue).map((role) => [role.key, role.area])).toEqual([
      ['A_TIDER', 'A'],
      ['B_INTYG', 'B'],
      ['B_TIDER', 'B'],
    ]);
    expect(findRole('B_TIDER', catalogue)).toMatchObject({ name: 'Se tider', service: 'tider', area: 'B' });
    expect(findArea('B', catalogue)?.requiresUndertaking).toBe(true);
    expect(findService('intyg', catalogue)?.url).toBe('https://b.example/');
    expect(findRole('KK_BEVILJAD', catalogue)).toBeUndefined();
    expect(findArea('YH', catalogue)).toBeUndefined();
    expect(findService('saknas', catalogue)).toBeUndefined();
  });

  it('ships a default catalogue that passes the same checks', () => {
    expect(allRoles(loadCatalogue(DEFAULT_CATALOGUE_FILE)).length).toBeGreaterThan(0);
  });

  it('refuses a catalogue whose role names an unknown service, naming the file, the role and the service', () => {
    const broken = other();
    broken.areas[1].roles[0].service = 'saknas';
    write(broken);
    expect(() => loadCatalogue(file)).toThrow(`Catalogue ${file} is invalid: role B_INTYG names unknown service saknas`);
  });

  it('refuses a catalogue in which two areas give the same role key', () => {
    const broken = other();
    broken.areas[1].roles[1].key = 'A_TIDER';
    write(broken);
    expect(() => loadCatalogue(file)).toThrow(/role A_TIDER appears twice/);
  });

  it('refuses an area without roles and a role key a URL or form could not carry', () => {
    const empty = other();
    empty.areas[0].roles = [];
    write(empty);
    expect(() => loadCatalogue(file)).toThrow(/^Catalogue .* is invalid/);
    const lowercase = other();
    lowercase.areas[0].roles[0].key = 'a tider';
    write(lowercase);
    expect(() => loadCatalogue(file)).toThrow(/^Catalogue .* is invalid/);
  });
});
