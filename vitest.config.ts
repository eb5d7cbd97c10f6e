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
    // The hub-blocked report is a diagnostic printed to stderr; on a loaded CI
    // machine a descheduled hub can trigger it in tests about other things,
    // some of which check that stderr stays empty. Its own tests (test/observe)
    // turn it back on for their fixtures.
    env: { GREENTHREAD_BLOCKED_MS: '0' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
