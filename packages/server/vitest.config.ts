// Test runner settings: each file runs in its own process with its own
// database (a fresh PGlite, or a fresh PostgreSQL database when
// TEST_DATABASE_URL is set), two files at a time on a 2-core machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
