// The factory over a real HTCondor 23 in a Debian 13 chroot (`npm run test:htcondor`, which runs
// .ci/htcondor.sh: it builds the chroot once, mounts node, this project and a shared folder into it
// at their own paths, starts the pool and stops it afterwards). The server runs here; the factory
// runs inside the chroot as its user `p3s`, as it would on a submit host (condor_submit refuses root).

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { describeBatchScenario } from '../helpers/batch-scenario.ts';
import { BIN, type Proc, startProcess } from '../helpers/processes.ts';

const root = process.env.P3S_HTCONDOR_ROOT;
const share = process.env.P3S_HTCONDOR_SHARE;
if (!root || !share)
  throw new Error('run these tests with npm run test:htcondor (it starts the HTCondor chroot)');

const shared = mkdtempSync(join(share, 'run-'));
chmodSync(shared, 0o777);

/** A command inside the chroot as its user p3s. */
function inChroot(args: string[]): string {
  return execFileSync('/usr/sbin/chroot', [root as string, 'runuser', '-u', 'p3s', '--', ...args], {
    encoding: 'utf8',
  });
}

/** p3s inside the chroot as its user p3s, with node and this project mounted at their own paths. */
function startInChroot(args: string[], env: Record<string, string>): Proc {
  return startProcess(
    '/usr/sbin/chroot',
    ['--userspec=p3s:p3s', root as string, '/usr/local/bin/node', BIN, ...args],
    { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/p3s', NO_COLOR: '1', ...env },
  );
}

describe('the factory on HTCondor', () => {
  afterAll(() => rmSync(shared, { recursive: true, force: true }));
  describeBatchScenario('htcondor', () => ({
    system: 'htcondor',
    notFoundStatus: 127,
    refused: {
      // A later line wins: the submit description now asks for a universe HTCondor does not know.
      provisioning: { submitLines: ['universe = nosuchuniverse'] },
      says: /^condor_submit exited 1: .*nosuchuniverse/i,
    },
    async active(site) {
      const out = inChroot([
        'condor_q',
        '-constraint',
        `p3sSite == "${site}" && (JobStatus == 1 || JobStatus == 2 || JobStatus == 5)`,
        '-af',
        'ClusterId',
        'ProcId',
      ]);
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => `htcondor:${line.trim().replace(/\s+/, '.')}`);
    },
    async cancel(batchId) {
      inChroot(['condor_rm', batchId.replace(/^htcondor:/, '')]);
    },
    sharedDir: () => shared,
    startFactory: (args, env) => startInChroot(args, env),
  }));
});
