// Job states and the transitions between them, as data. Every state change in
// the store is a compare-and-set on the expected current state, checked here first.

/** The states a job moves through. */
export const JobState = {
  /** Parked: stored but not dispatchable (P3S `template`); released by `defined`. */
  template: 'template',
  /** Ready: waiting for a pilot to claim it. */
  defined: 'defined',
  /** Claimed by a pilot, which holds a lease on it; the payload is not running yet. */
  dispatched: 'dispatched',
  /** The payload process is running under a pilot. */
  running: 'running',
  /** The payload exited with status 0. Terminal. */
  finished: 'finished',
  /** The attempt failed; `error_code`/`error_diag` say why. Terminal unless retried. */
  failed: 'failed',
  /** Stopped by a user (killed or cancelled). Terminal unless retried. */
  cancelled: 'cancelled',
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];
export const JOB_STATES = Object.values(JobState) as readonly JobState[];

/** What caused a transition; recorded with each job event. */
export const JobTransition = {
  release: 'release',
  park: 'park',
  claim: 'claim',
  start: 'start',
  finish: 'finish',
  fail: 'fail',
  lose: 'lose',
  cancel: 'cancel',
  retry: 'retry',
  /** A retry rule with a delay parks the next attempt until its release time. */
  defer: 'defer',
  /** A workflow's noop vertex completes without a pilot once its parents finished. */
  complete: 'complete',
  /** A workflow job cancelled because an ancestor ended waits again after that ancestor's retry. */
  reopen: 'reopen',
  /** The reaper fails a job that waited `defined` longer than its site's queue limit. */
  expire: 'expire',
  /** The reaper takes back a job dispatched longer than the server's dispatch timeout without a start. */
  requeue: 'requeue',
} as const;
export type JobTransition = (typeof JobTransition)[keyof typeof JobTransition];

type Edge = readonly [from: JobState, transition: JobTransition, to: JobState];

/** The whole job state machine. A transition not listed here is refused. */
export const JOB_TRANSITIONS: readonly Edge[] = [
  ['template', 'release', 'defined'],
  ['defined', 'park', 'template'],
  ['defined', 'claim', 'dispatched'],
  ['dispatched', 'start', 'running'],
  ['dispatched', 'finish', 'finished'],
  ['running', 'finish', 'finished'],
  ['dispatched', 'fail', 'failed'],
  ['running', 'fail', 'failed'],
  ['dispatched', 'lose', 'failed'],
  ['running', 'lose', 'failed'],
  ['template', 'cancel', 'cancelled'],
  ['defined', 'cancel', 'cancelled'],
  ['dispatched', 'cancel', 'cancelled'],
  ['running', 'cancel', 'cancelled'],
  ['failed', 'retry', 'defined'],
  ['cancelled', 'retry', 'defined'],
  ['failed', 'defer', 'template'],
  ['template', 'complete', 'finished'],
  ['defined', 'complete', 'finished'],
  ['cancelled', 'reopen', 'template'],
  ['defined', 'expire', 'failed'],
  ['dispatched', 'requeue', 'defined'],
];

/** The state a transition leads to from `from`, or undefined when it is not allowed. */
export function nextJobState(from: JobState, transition: JobTransition): JobState | undefined {
  return JOB_TRANSITIONS.find(([f, t]) => f === from && t === transition)?.[2];
}

/** The states from which `transition` is allowed (used to build compare-and-set guards). */
export function jobStatesAllowing(transition: JobTransition): JobState[] {
  return JOB_TRANSITIONS.filter(([, t]) => t === transition).map(([f]) => f);
}

/**
 * Where each state stands. Every list of states below is derived from this record, so a state
 * added to JobState fails to compile here until it is placed (and job-state.test.ts checks the
 * placement against JOB_TRANSITIONS).
 * - parked: stored, not dispatchable; queued: waiting for a claim; held: a pilot holds it (a lease
 *   exists); ended: terminal unless retried.
 * - outcome: for ended states, whether the job succeeded (its workflow children may run).
 */
export const JOB_STATE_PLACE = {
  template: { phase: 'parked', outcome: null },
  defined: { phase: 'queued', outcome: null },
  dispatched: { phase: 'held', outcome: null },
  running: { phase: 'held', outcome: null },
  finished: { phase: 'ended', outcome: 'success' },
  failed: { phase: 'ended', outcome: 'failure' },
  cancelled: { phase: 'ended', outcome: 'failure' },
} as const satisfies Record<JobState, JobStatePlace>;

interface JobStatePlace {
  phase: 'parked' | 'queued' | 'held' | 'ended';
  outcome: 'success' | 'failure' | null;
}

function statesWhere(test: (place: JobStatePlace) => boolean): readonly JobState[] {
  return JOB_STATES.filter((state) => test(JOB_STATE_PLACE[state]));
}

export const TERMINAL_JOB_STATES = statesWhere((p) => p.phase === 'ended');
/** States in which a pilot holds the job (a lease exists). */
export const ACTIVE_JOB_STATES = statesWhere((p) => p.phase === 'held');
/** States in which a job's definition (priority, limit, env) may still be changed. */
export const ADJUSTABLE_JOB_STATES = statesWhere((p) => p.phase === 'parked' || p.phase === 'queued');
/** States of the dispatch queue: waiting for a claim or held by a pilot. */
export const QUEUE_JOB_STATES = statesWhere((p) => p.phase === 'queued' || p.phase === 'held');
/** Ended states that block a workflow's descendants (they never ran to success). */
export const UNSUCCESSFUL_JOB_STATES = statesWhere((p) => p.outcome === 'failure');
/** States a user may kill or cancel a job from. */
export const KILLABLE_JOB_STATES: readonly JobState[] = jobStatesAllowing('cancel');
/** States a user may retry a job from. */
export const RETRYABLE_JOB_STATES: readonly JobState[] = jobStatesAllowing('retry');

/** The states as a SQL list of literals (`'a', 'b'`); safe because states are fixed identifiers. */
export function sqlStateList(states: readonly string[]): string {
  if (states.length === 0 || !states.every((state) => /^[a-z_]+$/.test(state)))
    throw new Error(`not a list of states: ${states.join(', ')}`);
  return states.map((state) => `'${state}'`).join(', ');
}

export function isTerminalJobState(state: JobState): boolean {
  return TERMINAL_JOB_STATES.includes(state);
}
export function isActiveJobState(state: JobState): boolean {
  return ACTIVE_JOB_STATES.includes(state);
}
export function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}
