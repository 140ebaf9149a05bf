import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Two cores: one test file per core; each file gets its own database.
    maxWorkers: 2,
    sequence: { concurrent: false },
  },
});
