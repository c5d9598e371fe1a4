// The Slurm batch script of a factory pilot: #SBATCH directives from the site's resources, the
// site's own lines, then the common pilot body (pilot-launch.ts). Pure.

import type { PilotResources } from '../../core/index.ts';
import { type PilotLaunch, pilotScript, shellQuote } from '../pilot-launch.ts';

/** Seconds before the wall-time limit at which Slurm sends the pilot SIGTERM (it ends its job as pilot_shutdown). */
export const SLURM_SIGNAL_SECONDS = 30;

export function slurmScript(
  launch: PilotLaunch,
  options: { resources: PilotResources; submitLines: string[]; tokenFile: string; logDir: string },
): string {
  const r = options.resources;
  const directives = [
    `--job-name=p3s-${launch.site}`,
    `--output=${options.logDir}/slurm-%j.out`,
    '--ntasks=1',
    `--cpus-per-task=${r.cores}`,
    // The pilot is the batch step itself (exec), so B: signals it, not a child.
    `--signal=B:TERM@${SLURM_SIGNAL_SECONDS}`,
    ...(r.memoryMb !== null ? [`--mem=${r.memoryMb}M`] : []),
    ...(r.wallSeconds !== null ? [`--time=${Math.ceil(r.wallSeconds / 60)}`] : []),
    ...(r.queue !== null ? [`--partition=${r.queue}`] : []),
    ...(r.account !== null ? [`--account=${r.account}`] : []),
  ];
  return pilotScript(launch, {
    header: [...directives.map((d) => `#SBATCH ${d}`), ...options.submitLines],
    batchId: '"slurm:$SLURM_JOB_ID"',
    tokenFile: shellQuote(options.tokenFile),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, expanded by the batch job's shell
    home: '"${TMPDIR:-/tmp}/p3s-pilot-$SLURM_JOB_ID"',
  });
}
