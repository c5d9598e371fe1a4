// The HTCondor submit description and wrapper script of factory pilots: one cluster of N jobs per
// cycle. The token travels with the job (transfer_input_files) and nothing is transferred back:
// the pilot reports to p3s, and its own log comes back as the job's output. Pure.

import type { PilotResources } from '../../core/index.ts';
import { type PilotLaunch, pilotScript } from '../pilot-launch.ts';

/** Ended jobs stay in condor_q this long, as Slurm's MinJobAge keeps them in squeue, so the factory sees how they ended. */
export const CONDOR_KEEP_ENDED_SECONDS = 600;

export function condorScript(launch: PilotLaunch, tokenName: string): string {
  return pilotScript(launch, {
    header: [],
    // condor_submit puts the batch id on the command line ($(ClusterId).$(ProcId)).
    batchId: '"$1"',
    tokenFile: `"$PWD/${tokenName}"`,
    home: '"$PWD/p3s"',
  });
}

export function condorSubmitDescription(options: {
  site: string;
  count: number;
  script: string;
  tokenFile: string;
  logDir: string;
  resources: PilotResources;
  submitLines: string[];
  /** The submission's intent tag, kept as the jobs' p3sIntent attribute. */
  tag: string;
}): string {
  const r = options.resources;
  const lines = [
    'universe = vanilla',
    `executable = ${options.script}`,
    'arguments = "htcondor:$(ClusterId).$(ProcId)"',
    'getenv = false',
    'should_transfer_files = YES',
    'when_to_transfer_output = ON_EXIT',
    `transfer_input_files = ${options.tokenFile}`,
    'transfer_output_files =',
    `output = ${options.logDir}/htcondor-$(ClusterId).$(ProcId).out`,
    `error = ${options.logDir}/htcondor-$(ClusterId).$(ProcId).err`,
    `request_cpus = ${r.cores}`,
    ...(r.memoryMb !== null ? [`request_memory = ${r.memoryMb}`] : []),
    // A pilot running past its wall time is removed (its --lifetime ends it a minute before).
    ...(r.wallSeconds !== null
      ? [`periodic_remove = JobStatus == 2 && (time() - JobCurrentStartDate) > ${r.wallSeconds}`]
      : []),
    ...(r.account !== null ? [`accounting_group = ${r.account}`] : []),
    `batch_name = p3s-${options.site}`,
    `+p3sSite = "${options.site}"`,
    `+p3sIntent = "${options.tag}"`,
    `leave_in_queue = (JobStatus == 3 || JobStatus == 4) && (time() - EnteredCurrentStatus) < ${CONDOR_KEEP_ENDED_SECONDS}`,
    ...options.submitLines,
    `queue ${options.count}`,
    '',
  ];
  return lines.join('\n');
}
