// The Slurm adapter: sbatch (script on stdin, --parsable), squeue --json, scancel. Needs the Slurm
// client commands and their configuration (SLURM_CONF) on the factory's host.

import { writeFileSync } from 'node:fs';
import type { BatchObservation } from '../../core/index.ts';
import type { BatchAdapter, SubmitOutcome, SubmitRequest } from './adapter.ts';
import { nativeIds } from './adapter.ts';
import { complaint, type RunCommand, runCommand } from './command.ts';
import { parseSbatchParsable, parseSqueueJson, squeueIdsWithComment } from './slurm-parse.ts';
import { slurmScript } from './slurm-script.ts';

export function slurmAdapter(run: RunCommand = runCommand): BatchAdapter {
  return {
    system: 'slurm',

    async submit(request: SubmitRequest): Promise<SubmitOutcome> {
      const script = slurmScript(request.launch, request);
      // Kept beside the logs for whoever debugs a pilot; sbatch reads its own copy from stdin.
      writeFileSync(`${request.scriptDir}/${request.site}.slurm.sh`, script, { mode: 0o644 });
      const submitted: SubmitOutcome['submitted'] = [];
      for (let i = 0; i < request.count; i++) {
        // The intent tag as the job's comment: a factory that stops before recording finds it again.
        const result = await run('sbatch', ['--parsable', `--comment=${request.tag}`], { input: script });
        const id = result.code === 0 ? parseSbatchParsable(result.stdout) : undefined;
        if (id === undefined) return { submitted, refused: complaint('sbatch', result) };
        submitted.push({ batchId: `slurm:${id}`, logPath: `${request.logDir}/slurm-${id}.out` });
      }
      return { submitted, refused: null };
    },

    async status(batchIds: string[]): Promise<Map<string, BatchObservation>> {
      // squeue --json of 22.05 ignores --jobs: read every job, keep ours.
      const result = await run('squeue', ['--json']);
      if (result.code !== 0) throw new Error(complaint('squeue --json', result));
      const all = parseSqueueJson(result.stdout);
      return new Map(batchIds.flatMap((id) => (all.has(id) ? [[id, all.get(id) as BatchObservation]] : [])));
    },

    async findTagged(tag: string, logDir: string) {
      const result = await run('squeue', ['--json']);
      if (result.code !== 0) throw new Error(complaint('squeue --json', result));
      return squeueIdsWithComment(result.stdout, tag).map((id) => ({
        batchId: `slurm:${id}`,
        logPath: `${logDir}/slurm-${id}.out`,
      }));
    },

    async remove(batchIds: string[]): Promise<void> {
      const ids = nativeIds('slurm', batchIds, /^\d+$/);
      if (ids.length === 0) return;
      const result = await run('scancel', ids);
      if (result.code !== 0) throw new Error(complaint('scancel', result));
    },
  };
}
