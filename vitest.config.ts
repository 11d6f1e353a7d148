import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: the Kafka suites and the SQLite suites fight for them, so bound parallelism.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
