// Worker states and their transitions, as data. A worker is one batch job the factory submitted
// to run a pilot (PanDA Harvester's "worker"); its state follows what the batch system reports.

export const WorkerState = {
  /** Accepted by the batch system, waiting in its queue. */
  submitted: 'submitted',
  /** Held in the batch queue (by the batch system or an operator); `reason` says why. */
  held: 'held',
  /** The batch job runs (its pilot may not have registered yet). */
  running: 'running',
  /** The batch job ended with status 0 after its pilot registered. */
  finished: 'finished',
  /** Refused at submission, ended with a non-zero status, or ended without its pilot ever registering. */
  failed: 'failed',
  /** Removed from the batch system (`p3s workers kill`, a drain, or scancel/condor_rm by someone). */
  cancelled: 'cancelled',
  /** Disappeared from the batch system without the factory seeing it end. */
  lost: 'lost',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];
export const WORKER_STATES = Object.values(WorkerState) as readonly WorkerState[];

/** Why a worker ended badly, beside the batch system's own words in `reason`. */
export const WorkerFailure = {
  /** The batch system refused the submission (sbatch or condor_submit failed). */
  submit_refused: 'submit_refused',
  /** The batch job ended, or ran past the start timeout, without its pilot registering. */
  never_registered: 'never_registered',
  /** The pilot registered, then the batch job ended with a non-zero status. */
  exit_code: 'exit_code',
  /** The batch system no longer knows the job, and the factory never saw it end. */
  disappeared: 'disappeared',
} as const;
export type WorkerFailure = (typeof WorkerFailure)[keyof typeof WorkerFailure];
export const WORKER_FAILURES = Object.values(WorkerFailure) as readonly WorkerFailure[];

type Edge = readonly [from: WorkerState, to: WorkerState];

/**
 * Allowed worker state changes. A held job may be released (back to submitted); a running one may
 * be requeued (Slurm, after a node failure) or held (HTCondor evicts and holds). Ended states,
 * lost included, are final.
 */
export const WORKER_TRANSITIONS: readonly Edge[] = [
  ['submitted', 'held'],
  ['submitted', 'running'],
  ['submitted', 'finished'],
  ['submitted', 'failed'],
  ['submitted', 'cancelled'],
  ['submitted', 'lost'],
  ['held', 'submitted'],
  ['held', 'running'],
  ['held', 'failed'],
  ['held', 'cancelled'],
  ['held', 'lost'],
  ['running', 'submitted'],
  ['running', 'held'],
  ['running', 'finished'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'lost'],
];

/** The states a worker is first recorded in: accepted, or refused at submission. */
export const INITIAL_WORKER_STATES: readonly WorkerState[] = ['submitted', 'failed'];
/** Workers the batch system still holds: they count against the site's limits. */
export const ACTIVE_WORKER_STATES: readonly WorkerState[] = ['submitted', 'held', 'running'];
/** Workers waiting in the batch queue (held ones too): they count against maxQueued. */
export const QUEUED_WORKER_STATES: readonly WorkerState[] = ['submitted', 'held'];
export const ENDED_WORKER_STATES: readonly WorkerState[] = ['finished', 'failed', 'cancelled', 'lost'];

export function canWorkerMove(from: WorkerState, to: WorkerState): boolean {
  return WORKER_TRANSITIONS.some(([f, t]) => f === from && t === to);
}
/** The states from which a worker may move to `to` (compare-and-set guards). */
export function workerStatesBefore(to: WorkerState): WorkerState[] {
  return WORKER_TRANSITIONS.filter(([, t]) => t === to).map(([f]) => f);
}
export function isWorkerState(value: string): value is WorkerState {
  return (WORKER_STATES as readonly string[]).includes(value);
}
export function isActiveWorkerState(state: WorkerState): boolean {
  return ACTIVE_WORKER_STATES.includes(state);
}
