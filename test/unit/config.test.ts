import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildVisibleSettings, ConfigError, parseConfig } from '#server/platform/config.ts';
import { contrastRatio, logoMarkup, logoProblem } from '#server/platform/identity.ts';

describe('configuration', () => {
  it('runs the demo on embedded defaults when nothing is set', () => {
    const config = parseConfig({});
    expect(config.mode).toBe('demo');
    expect(config.port).toBe(4321);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.publicUrl.href).toBe('http://localhost:4321/');
    expect(config.secure).toBe(false);
    expect(config.rules).toMatchObject({ lockoutMaxFailures: 3, lockoutMinutes: 30, passwordMaxAgeMonths: 12, sessionIdleMinutes: 20 });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
    [{ LOCKOUT_MINUTES: '0' }, 'LOCKOUT_MINUTES'],
    [{ APP_MODE: 'staging' }, 'APP_MODE'],
    [{ AUTHORITY_EMAIL: 'inte en adress' }, 'AUTHORITY_EMAIL'],
  ])('refuses %o with a message naming %s', (env, name) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`^\\s*${name}=`, 'm'));
  });

  it('requires the database, mail server and public address in production', () => {
    const attempt = () => parseConfig({ APP_MODE: 'production' });
    expect(attempt).toThrow(/DATABASE_URL=.*required/);
    expect(attempt).toThrow(/SMTP_URL=.*required/);
    expect(attempt).toThrow(/PUBLIC_URL=.*required/);
    expect(attempt).toThrow(/SECRET_KEY=.*required/);
  });

  it('turns on Secure cookies and HSTS in production', () => {
    const config = parseConfig({
      APP_MODE: 'production',
      DATABASE_URL: 'postgres://u:p@db/portal',
      SMTP_URL: 'smtp://mail:25',
      PUBLIC_URL: 'https://portal.example',
      SECRET_KEY: 'a-secret-key-of-at-least-32-characters',
    });
    expect(config.secure).toBe(true);
    expect(config.demo).toBe(false);
  });

  it.each([[{ DATABASE_URL: 'postgres://u:p@db/portal' }], [{ SMTP_URL: 'smtp://mail:25' }]])(
    'never falls into demo mode when %o is set without APP_MODE',
    (env) => {
      expect(() => parseConfig(env)).toThrow(/^\s*APP_MODE="": must be set/m);
      expect(parseConfig({ ...env, APP_MODE: 'demo' }).demo).toBe(true);
    },
  );

  it('refuses the test clock in production', () => {
    expect(() => parseConfig({ APP_MODE: 'production', CLOCK_OFFSET_FILE: '/tmp/x' })).toThrow(/CLOCK_OFFSET_FILE=.*not allowed/);
  });

  it('takes the demo logo and the current brand colour by default', () => {
    const config = parseConfig({});
    expect(config.identity.brandColour).toBe('#1f3f74');
    expect(config.identity.logoSvg).toMatch(/^<svg/);
  });

  it('refuses a brand colour that white header text cannot be read on, or one that is not a colour', () => {
    expect(() => parseConfig({ BRAND_COLOUR: '#6fa8dc' })).toThrow(/^\s*BRAND_COLOUR="#6fa8dc": is too light/m);
    expect(() => parseConfig({ BRAND_COLOUR: 'blue' })).toThrow(/^\s*BRAND_COLOUR="blue": must be a hex colour/m);
    expect(parseConfig({ BRAND_COLOUR: '#0B5A2A' }).identity.brandColour).toBe('#0b5a2a');
  });

  it('reads LOGO_FILE and refuses a logo that could run code or load something', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'logo-'));
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const good = file('good.svg', '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4" cx="5" cy="5"/></svg>');
    expect(parseConfig({ LOGO_FILE: good }).identity.logoFile).toBe(good);
    expect(() => parseConfig({ LOGO_FILE: path.join(dir, 'missing.svg') })).toThrow(/^\s*LOGO_FILE=".*missing\.svg": cannot be read/m);
    const bad = file('bad.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    expect(() => parseConfig({ LOGO_FILE: bad })).toThrow(/^\s*LOGO_FILE=".*bad\.svg": contains a <script>/m);
  });

  it('makes a logo change a change of the prerendered pages', () => {
    const a = parseConfig({});
    const b = parseConfig({ BRAND_COLOUR: '#222222' });
    expect(JSON.stringify(buildVisibleSettings(a))).not.toBe(JSON.stringify(buildVisibleSettings(b)));
  });
});

describe('identity', () => {
  it('computes WCAG contrast ratios', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    // The default brand colour carries white text well; the focus yellow does not.
    expect(contrastRatio('#1f3f74', '#ffffff')).toBeGreaterThan(10);
    expect(contrastRatio('#ffbf47', '#fff')).toBeLessThan(2);
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5);
  });

  it.each([
    ['<svg onload="x()"></svg>', /event attribute/],
    ['<svg><image href="https://example.org/a.png"/></svg>', /another file/],
    ['<svg><use xlink:href="other.svg#a"/></svg>', /another file/],
    ['<svg><rect style="fill:url(https://example.org/x)"/></svg>', /another file/],
    ['<svg><foreignObject><div/></foreignObject></svg>', /foreignObject/],
    ['<!DOCTYPE svg [<!ENTITY x "y">]><svg/>', /DOCTYPE/],
    ['<html></html>', /not an SVG/],
  ])('refuses the logo %s', (svg, reason) => {
    expect(logoProblem(svg)).toMatch(reason);
  });

  it('allows references inside the logo itself', () => {
    expect(logoProblem('<svg><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use href="#g"/></svg>')).toBeUndefined();
  });

  it('names the inlined logo after the authority and drops its own size and title', () => {
    const markup = logoMarkup('<svg width="300" height="80" viewBox="0 0 30 8"><title>Old</title><rect/></svg>', 'Myndigheten "A" & B');
    expect(markup).toBe('<svg viewBox="0 0 30 8" role="img" aria-label="Myndigheten &quot;A&quot; &amp; B" focusable="false" class="brand-logo"><rect/></svg>');
  });
});
