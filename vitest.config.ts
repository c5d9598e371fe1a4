import { defineConfig } from 'vitest/config';

// Unit tests sit next to their module (src/**/*.test.ts); integration and
// end-to-end tests live in test/. Real processes and databases: keep timeouts generous.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // The HTCondor tests need their chroot: `npm run test:htcondor` (vitest.htcondor.config.ts).
    exclude: ['**/node_modules/**', 'test/htcondor/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Says which tests skip for a missing Chromium or Prometheus, before and after the run.
    globalSetup: ['test/global-setup.ts'],
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
