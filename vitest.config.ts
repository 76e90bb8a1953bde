import { defineConfig } from 'vitest/config';

// Tests start real hosts, workers and Chromium, so they get generous timeouts
// and run one file at a time on this project's 2-core machines.
export default defineConfig({
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
