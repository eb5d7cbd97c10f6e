import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Carriers start real worker threads; give slow machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each test file in its own process: the hub is per process, and some
    // files change process-wide state.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
