// How each adapter asks its batch system for the jobs of one submission (an intent's tag): the
// command it runs (a stand-in records it and answers with recorded output) and what it makes of it.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../core/index.ts';
import { pilotLaunch } from '../pilot-launch.ts';
import type { RunCommand } from './command.ts';
import { htcondorAdapter } from './htcondor.ts';
import { slurmAdapter } from './slurm.ts';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'batch', name), 'utf8');
const TAG = 'p3s-0123456789ab';

function recording(stdout: string, code = 0): { run: RunCommand; calls: [string, string[]][] } {
  const calls: [string, string[]][] = [];
  return {
    calls,
    run: async (file, args) => {
      calls.push([file, args]);
      return { code, stdout, stderr: code === 0 ? '' : 'cannot reach the schedd' };
    },
  };
}

describe('htcondor findTagged', () => {
  it('asks condor_q for the jobs whose p3sIntent is the tag', async () => {
    const { run, calls } = recording(fixture('condor_q-23.json'));
    const found = await htcondorAdapter(run).findTagged(TAG, '/l');
    expect(calls[0]?.[0]).toBe('condor_q');
    expect(calls[0]?.[1].slice(0, 3)).toEqual(['-json', '-constraint', `p3sIntent == "${TAG}"`]);
    expect(found).toHaveLength(7);
    expect(found[0]).toEqual({ batchId: 'htcondor:1.0', logPath: '/l/htcondor-1.0.err' });
  });

  it('runs nothing for what is not a tag, and throws when condor_q fails', async () => {
    const { run, calls } = recording('');
    expect(await htcondorAdapter(run).findTagged('x" || true || "', '/l')).toEqual([]);
    expect(calls).toEqual([]);
    await expect(htcondorAdapter(recording('', 1).run).findTagged(TAG, '/l')).rejects.toThrow(/condor_q/);
  });
});

describe('slurm findTagged', () => {
  it('reads squeue --json and keeps the jobs whose comment is the tag', async () => {
    const answer = JSON.parse(fixture('squeue-22.05.json')) as {
      jobs: { job_id: number; comment: string }[];
    };
    for (const job of answer.jobs) if (job.job_id === 6) job.comment = TAG;
    const { run, calls } = recording(JSON.stringify(answer));
    expect(await slurmAdapter(run).findTagged(TAG, '/l')).toEqual([
      { batchId: 'slurm:6', logPath: '/l/slurm-6.out' },
    ]);
    expect(calls).toEqual([['squeue', ['--json']]]);
    await expect(slurmAdapter(recording('', 1).run).findTagged(TAG, '/l')).rejects.toThrow(/squeue/);
  });

  it('is what sbatch is given as the comment of each submitted job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p3s-sbatch-'));
    try {
      const { run, calls } = recording('42\n');
      const parsed = parseProvisioning({ batch: 'slurm', maxWorkers: 2 }, '', []);
      if (!parsed.ok || !parsed.value) throw new Error('fixture');
      const launch = pilotLaunch(
        { name: 'hpc', provisioning: parsed.value },
        { pilotServer: 'http://s', pilotCommand: 'p3s', caFile: null },
      );
      const request = { site: 'hpc', count: 2, launch, resources: parsed.value.resources, submitLines: [] };
      const paths = { tokenFile: '/t', logDir: dir, scriptDir: dir, tag: TAG };
      await slurmAdapter(run).submit({ ...request, ...paths });
      expect(calls).toEqual([
        ['sbatch', ['--parsable', `--comment=${TAG}`]],
        ['sbatch', ['--parsable', `--comment=${TAG}`]],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
