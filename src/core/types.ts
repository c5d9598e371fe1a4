// Domain types shared by every subsystem. Times are epoch milliseconds (numbers).

import type { JobErrorName } from './job-errors.ts';
import type { PilotOffer } from './job-fit.ts';
import type { JobState, JobTransition } from './job-state.ts';
import type { PilotState } from './pilot-state.ts';

/** A job as submitted, after normalisation (see job-spec.ts). */
export interface JobSpec {
  name: string;
  jobtype: string;
  payload: string;
  env: Record<string, string>;
  priority: number;
  /** Time limit in seconds (P3S `timeout`). */
  timelimit: number;
  /** `defined` (ready to run) or `template` (parked). */
  state: 'defined' | 'template';
  /** Site the job must run at; null = any site. */
  site: string | null;
  /** Resources the job asks for (MiB, cores, MiB); present only when the submission gave them. */
  memory?: number;
  cores?: number;
  disk?: number;
}

/** A stored job. */
export interface Job extends Omit<JobSpec, 'state'> {
  id: number;
  uuid: string;
  state: JobState;
  user: string;
  attempt: number;
  workflowId: number | null;
  pilotId: number | null;
  host: string | null;
  /** Site of the pilot that ran the current attempt. */
  ranAtSite: string | null;
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  errorName: JobErrorName | null;
  errorCode: number | null;
  errorDiag: string | null;
  leaseExpiresAt: number | null;
  killRequested: boolean;
  cpuSeconds: number | null;
  maxRssKb: number | null;
  createdAt: number;
  definedAt: number | null;
  dispatchedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  updatedAt: number;
}

/** One state change of a job (the `job_events` table). */
export interface JobEvent {
  id: number;
  jobId: number;
  attempt: number;
  at: number;
  fromState: JobState | null;
  toState: JobState;
  transition: JobTransition | 'submit';
  /** Who or what caused it: a user name, `pilot:<uuid>`, `reaper`, … */
  actor: string;
  detail: string | null;
}

/** The record of one finished attempt of a job (the `job_attempts` table). */
export interface JobAttempt {
  jobId: number;
  attempt: number;
  state: JobState;
  pilotId: number | null;
  host: string | null;
  site: string | null;
  exitCode: number | null;
  signal: string | null;
  errorName: JobErrorName | null;
  errorCode: number | null;
  errorDiag: string | null;
  cpuSeconds: number | null;
  maxRssKb: number | null;
  dispatchedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

/** What a pilot reports about a registered pilot process. */
export interface PilotRegistration {
  uuid: string;
  host: string;
  site: string | null;
  pid: number;
  /** Free text such as a batch system id (P3S `-e/--extra`). */
  batchId: string | null;
  /** Job types accepted; empty = any. */
  jobTypes: string[];
  version: string;
  /** Seconds the pilot may live, 0 = unlimited. */
  lifetime: number;
  /** What it offers its jobs (MiB, cores, MiB; 0 = unknown); absent from pilots before 0013. */
  resources?: { memory: number; cores: number; disk: number };
  /** Seconds of its lifetime left as it registers; absent = unlimited (or a pilot before 0013). */
  lifetimeLeft?: number;
}

/** A stored pilot: what it registered, with what it can hold as the server keeps it (job-fit.ts). */
export interface Pilot extends Omit<PilotRegistration, 'resources' | 'lifetimeLeft'>, PilotOffer {
  id: number;
  state: PilotState;
  currentJobId: number | null;
  jobsRun: number;
  stopRequested: boolean;
  registeredAt: number;
  lastSeenAt: number;
  endedAt: number | null;
  /** The token that registered the pilot (null for pilots registered before access control). */
  tokenId: number | null;
  /** That token's name. */
  owner: string | null;
  /** Why the pilot takes no jobs, as it reported (e.g. its disk is full); null while it takes them. */
  hold: string | null;
}

/** Resource use of a running payload's process group, sampled by the pilot. */
export interface JobMetrics {
  cpuSeconds: number;
  rssKb: number;
  maxRssKb: number;
}

/** How an attempt ended, as the pilot saw it. */
export type JobOutcome =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'signaled'; signal: string }
  | { kind: 'timelimit'; timelimit: number }
  | { kind: 'killed' }
  | { kind: 'nonstarter'; reason: string }
  | { kind: 'pilot_shutdown'; signal: string }
  | { kind: 'server_unreachable'; seconds: number }
  | { kind: 'pilot_lifetime' }
  /** The pilot's work or job log disk was full: the payload could not start, or failed while it was. */
  | { kind: 'disk_full'; path: string; detail: string }
  /** The pilot killed the payload for breaking a resource limit; `detail` says what it measured. */
  | { kind: 'memory_exceeded' | 'disk_exceeded' | 'looping'; detail: string };

/** Which end state an outcome leads to, with the recorded error. */
export interface ResolvedOutcome {
  state: 'finished' | 'failed' | 'cancelled';
  errorName: JobErrorName | null;
  diag: string | null;
}

/** Log streams of a job. */
export type LogStream = 'out' | 'err';

/** Counts for `p3s summary`. */
export interface Summary {
  jobs: Record<JobState, number> & { total: number };
  pilots: Record<PilotState, number> & { total: number };
}
