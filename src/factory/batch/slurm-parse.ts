// Reading Slurm's answers: `squeue --json` (the 22.05 shape, where states are strings and exit
// codes raw wait statuses, and the 23.02+ shape, where they are lists and objects) and the job id
// `sbatch --parsable` prints. Pure, tested on recorded output.

import type { BatchObservation, WorkerState } from '../../core/index.ts';
import { secondsToMs } from './adapter.ts';

/** Slurm job states (JOB_STATE_BASE) → worker states; a PENDING job held by a user or admin is `held`. */
const STATES: Record<string, WorkerState> = {
  PENDING: 'submitted',
  REQUEUED: 'submitted',
  RUNNING: 'running',
  CONFIGURING: 'running',
  COMPLETING: 'running',
  SUSPENDED: 'running',
  STOPPED: 'running',
  RESIZING: 'running',
  SIGNALING: 'running',
  STAGE_OUT: 'running',
  COMPLETED: 'finished',
  CANCELLED: 'cancelled',
  REVOKED: 'cancelled',
  FAILED: 'failed',
  TIMEOUT: 'failed',
  NODE_FAIL: 'failed',
  BOOT_FAIL: 'failed',
  OUT_OF_MEMORY: 'failed',
  DEADLINE: 'failed',
  PREEMPTED: 'failed',
  SPECIAL_EXIT: 'failed',
};

type Json = Record<string, unknown>;

/** The "jobs" list of a `squeue --json` answer; throws on text that is not squeue's JSON. */
function squeueJobs(text: string): Json[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`squeue --json printed something that is not JSON: ${(error as Error).message}`);
  }
  const jobs = (parsed as { jobs?: unknown })?.jobs;
  if (!Array.isArray(jobs)) throw new Error('squeue --json printed no "jobs" list');
  return jobs as Json[];
}

/** Every job of a `squeue --json` answer as an observation, keyed `slurm:<job id>`. Throws on text that is not squeue's JSON. */
export function parseSqueueJson(text: string): Map<string, BatchObservation> {
  const jobs = squeueJobs(text);
  const out = new Map<string, BatchObservation>();
  for (const job of jobs) {
    const id = numberOf(job.job_id);
    if (id === null) continue;
    const observation = observe(`slurm:${id}`, job);
    if (observation) out.set(observation.batchId, observation);
  }
  return out;
}

function observe(batchId: string, job: Json): BatchObservation | undefined {
  const states = Array.isArray(job.job_state) ? (job.job_state as unknown[]) : [job.job_state];
  const base = states.find((s): s is string => typeof s === 'string' && s in STATES);
  if (base === undefined) return undefined;
  const reason =
    typeof job.state_reason === 'string' && job.state_reason !== 'None' ? job.state_reason : null;
  let state = STATES[base] as WorkerState;
  if (state === 'submitted' && reason !== null && /held/i.test(reason)) state = 'held';
  const ended = !['submitted', 'held', 'running'].includes(state);
  return {
    batchId,
    state,
    exitCode: ended ? exitCodeOf(job.exit_code) : null,
    reason,
    startedAt: secondsToMs(numberOf(job.start_time)),
    endedAt: ended ? secondsToMs(numberOf(job.end_time)) : null,
  };
}

/**
 * The batch script's exit status: 22.05 gives the raw wait status (768 = exit 3; a signal in the
 * low bits is 128 + signal, as a shell reports it); 23.02+ an object with return_code and signal.
 */
export function exitCodeOf(value: unknown): number | null {
  if (typeof value === 'number') {
    const signal = value & 0x7f;
    return signal !== 0 ? 128 + signal : (value >> 8) & 0xff;
  }
  if (typeof value === 'object' && value !== null) {
    const v = value as Json;
    const signal = numberOf((v.signal as Json | undefined)?.id);
    if (signal !== null && signal > 0) return 128 + signal;
    return numberOf(v.return_code);
  }
  return null;
}

/** A number as squeue prints it: plain, or {set, infinite, number} since 23.02 (unset: null). */
function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as Json;
    if (v.set === false || v.infinite === true) return null;
    return typeof v.number === 'number' ? v.number : null;
  }
  return null;
}

/** The job id `sbatch --parsable` printed (`42`, or `42;cluster`), or undefined. */
export function parseSbatchParsable(stdout: string): string | undefined {
  const match = /^(\d+)(;\S+)?\s*$/m.exec(stdout.trim());
  return match?.[1];
}

/** The ids of the jobs of a `squeue --json` answer whose comment is `comment` (a submission's intent tag). */
export function squeueIdsWithComment(text: string, comment: string): string[] {
  const jobs = squeueJobs(text);
  return jobs.flatMap((job) => {
    const id = numberOf(job.job_id);
    // A string in squeue's job shape; sacct's shape nests it as { job, administrator, system }.
    const given = typeof job.comment === 'object' ? (job.comment as Json | null)?.job : job.comment;
    return id !== null && given === comment ? [String(id)] : [];
  });
}
