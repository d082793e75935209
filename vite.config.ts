import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: keep the pool small so socket and browser tests are not starved.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
