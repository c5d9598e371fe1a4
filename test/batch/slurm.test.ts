// The factory over a real single-node Slurm (.ci/slurm.sh starts it in CI; SLURM_CONF names its
// configuration). Skipped when no Slurm answers, unless CI or P3S_REQUIRE_SLURM=1 demands it.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { describeBatchScenario } from '../helpers/batch-scenario.ts';
import { baseEnv, startP3s } from '../helpers/processes.ts';

const probe = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' });
const up = probe.status === 0 && /idle|mix|alloc/.test(probe.stdout);
const required = process.env.P3S_REQUIRE_SLURM === '1';

if (!up && required) {
  describe('Slurm', () => {
    it('is running (P3S_REQUIRE_SLURM=1)', () => {
      throw new Error(`no Slurm answers sinfo: ${probe.stderr || probe.error?.message || probe.stdout}`);
    });
  });
} else if (!up) {
  console.warn(
    'no Slurm answers sinfo; skipping the Slurm tests (.ci/slurm.sh start, then export SLURM_CONF)',
  );
}

const shared = up ? mkdtempSync(join(tmpdir(), 'p3s-slurm-')) : '';

describe.runIf(up)('the factory on Slurm', () => {
  afterAll(() => rmSync(shared, { recursive: true, force: true }));
  describeBatchScenario('slurm', () => ({
    system: 'slurm',
    notFoundStatus: 127,
    refused: {
      provisioning: { resources: { queue: 'nosuchpartition' } },
      says: /^sbatch exited 1: sbatch: error: invalid partition specified: nosuchpartition/,
    },
    async active(site) {
      const out = execFileSync('squeue', ['-h', '-n', `p3s-${site}`, '-t', 'PD,R,CG,S', '-o', '%i'], {
        encoding: 'utf8',
      });
      return out
        .split('\n')
        .filter(Boolean)
        .map((id) => `slurm:${id.trim()}`);
    },
    async cancel(batchId) {
      execFileSync('scancel', [batchId.replace(/^slurm:/, '')]);
    },
    sharedDir: () => shared,
    startFactory: (args, env) => startP3s(args, baseEnv(env)),
  }));
});
