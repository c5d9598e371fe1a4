// The factory over a real single-node Slurm (.ci/slurm.sh starts it in CI; SLURM_CONF names its
// configuration). Skipped when no Slurm answers, unless CI or P3S_REQUIRE_SLURM=1 demands it.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../src/core/index.ts';
import { slurmAdapter } from '../../src/factory/batch/slurm.ts';
import { newTag } from '../../src/factory/intents.ts';
import { pilotLaunch } from '../../src/factory/pilot-launch.ts';
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

// A submission's intent tag (factory/intents.ts) travels as the Slurm job's comment, read here with
// squeue's own format (%k), and the adapter finds the job by it, as a restarted factory would.
describe.runIf(up)('an intent tag on Slurm', () => {
  it('is the comment of each job the adapter submits, and finds them again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p3s-slurm-tag-'));
    const tag = newTag();
    try {
      const parsed = parseProvisioning(
        { batch: 'slurm', maxWorkers: 1, pilotCommand: '/bin/sleep 30 #' },
        '',
        [],
      );
      if (!parsed.ok || !parsed.value) throw new Error('fixture');
      const launch = pilotLaunch(
        { name: 'tagged', provisioning: parsed.value },
        // A pilot that only waits, so squeue still lists it (the rest of its line is a comment).
        { pilotServer: 'http://127.0.0.1:9', pilotCommand: '/bin/sleep 30 #', caFile: null },
      );
      const adapter = slurmAdapter();
      const outcome = await adapter.submit({
        site: 'tagged',
        count: 1,
        launch,
        resources: parsed.value.resources,
        submitLines: [],
        tokenFile: join(dir, 'none.token'),
        logDir: dir,
        scriptDir: dir,
        tag,
      });
      expect(outcome.refused).toBeNull();
      const [job] = outcome.submitted;
      const id = job?.batchId.replace(/^slurm:/, '') as string;
      const comment = execFileSync('squeue', ['-h', '-j', id, '-o', '%k'], { encoding: 'utf8' }).trim();
      expect(comment).toBe(tag);
      expect(await adapter.findTagged(tag, dir)).toEqual([
        { batchId: `slurm:${id}`, logPath: `${dir}/slurm-${id}.out` },
      ]);
      await adapter.remove([`slurm:${id}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
