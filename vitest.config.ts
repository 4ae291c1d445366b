import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Interop tests start real OpenSSH processes; two cores on CI machines.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
