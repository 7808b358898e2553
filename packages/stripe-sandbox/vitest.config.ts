// Test settings for the sandbox's own suite: the files in test/, generous timeouts for
// the flows that advance clocks and wait for webhook retries.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
