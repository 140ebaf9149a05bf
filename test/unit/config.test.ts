import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#server/platform/config.ts';

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
});
