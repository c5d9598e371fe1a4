import { defineConfig } from 'vitest/config';

// `npm run test:htcondor`: the factory over a real HTCondor in a Debian 13 chroot, which
// .ci/htcondor.sh builds (once, a few minutes), starts and stops around this run.
export default defineConfig({
  test: {
    include: ['test/htcondor/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
