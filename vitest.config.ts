import { defineConfig } from 'vitest/config';

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
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // Everything that needs the embedded PostgreSQL, the built site, a browser or nginx.
      {
        extends: true,
        test: { name: 'system', include: ['test/{integration,http,e2e,deploy}/**/*.test.ts'], globalSetup: ['test/helpers/global-setup.ts'] },
      },
    ],
  },
});
