import { defineConfig } from 'vitest/config';

const MEASURING = ['test/http/enumeration-timing.test.ts', 'test/http/big-organisation.test.ts', 'test/http/register-memory.test.ts'];

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Two cores shared by Postgres, servers, Chromium and the tests: generous limits, no flakes.
    testTimeout: 60_000,
    expect: { poll: { timeout: 10_000, interval: 100 } },
    hookTimeout: 90_000,
    // Two cores: one test file per core; each file gets its own database.
    maxWorkers: 2,
    sequence: { concurrent: false },
    projects: [
      // Pure functions: no PostgreSQL, no build, seconds (`npm run test:unit`).
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      // Everything that needs the embedded PostgreSQL, the built site, a browser or nginx.
      {
        extends: true,
        test: {
          name: 'system',
          include: ['test/{integration,http,e2e,deploy}/**/*.test.ts'],
          exclude: MEASURING,
          globalSetup: ['test/helpers/global-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      // Tests that measure time or memory run last, one file at a time, so that no other
      // test's Chromium or argon2 shares the two cores with what they measure.
      {
        extends: true,
        test: { name: 'measuring', include: MEASURING, globalSetup: ['test/helpers/global-setup.ts'], maxWorkers: 1, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
