// The worker record: one batch job submitted by the factory to run a pilot, linked to the pilot it
// became (which registers with the worker's batch id) and through it to the jobs it ran.

import type { PilotState } from './pilot-state.ts';
import type { BatchSystem } from './provisioning.ts';
import type { WorkerFailure, WorkerState } from './worker-state.ts';

/** The pilot a worker became, as the worker views show it. */
export interface WorkerPilot {
  id: number;
  uuid: string;
  state: PilotState;
  currentJobId: number | null;
  jobsRun: number;
  registeredAt: number;
}

export interface Worker {
  id: number;
  site: string;
  batchSystem: BatchSystem;
  /** `<batch system>:<its job id>`, e.g. `slurm:4711` — what the pilot registers as its batch id. Null when refused. */
  batchId: string | null;
  state: WorkerState;
  pilot: WorkerPilot | null;
  submittedAt: number;
  /** When the batch system started it. */
  startedAt: number | null;
  endedAt: number | null;
  updatedAt: number;
  /** The batch job's exit status, when it ended and the batch system said. */
  exitCode: number | null;
  /** The batch system's words: a held reason, a refusal, a removal reason. */
  reason: string | null;
  failure: WorkerFailure | null;
  /** Who asked for the worker's removal (`p3s workers kill`, a drain), and when. */
  killRequested: { at: number; by: string } | null;
  /** Who removed it: the killer's name, or `batch system` when it was cancelled outside p3s. */
  cancelledBy: string | null;
  /** Where the batch system writes the pilot's own output (to debug a pilot that never started). */
  logPath: string | null;
  /** The host of the factory that submitted it. */
  factory: string | null;
}

/** A worker to record: accepted by the batch system, or refused (state failed, failure submit_refused). */
export interface NewWorker {
  site: string;
  batchSystem: BatchSystem;
  batchId: string | null;
  state: 'submitted' | 'failed';
  reason: string | null;
  failure: WorkerFailure | null;
  logPath: string | null;
  factory: string | null;
}

/** A change the factory saw in the batch system, applied only if the worker is still `from`. */
export interface WorkerChange {
  id: number;
  from: WorkerState;
  to: WorkerState;
  at: number;
  exitCode?: number | null;
  reason?: string | null;
  failure?: WorkerFailure | null;
  cancelledBy?: string | null;
}

/** Worker counts of one site as the factory's decision needs them. */
export interface WorkerCounts {
  submitted: number;
  held: number;
  running: number;
  /** Running workers whose pilot holds no job (not registered yet, or idle): they will take waiting jobs. */
  unclaimed: number;
}

/** How a site's workers ended over a window: the worker states, and the start failures among them. */
export interface WorkerEndings {
  finished: number;
  failed: number;
  cancelled: number;
  lost: number;
  /** Failed or lost without their pilot ever registering. */
  neverRegistered: number;
  /** Refused by the batch system at submission. */
  submitRefused: number;
}
