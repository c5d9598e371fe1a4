// Retention in domain verbs: purge old records in pages, never running work. Reached as
// `store.retention`; what may be purged in which state is core/retention.ts.

import type { Dataset, Job, JobAttempt, JobEvent, Pilot, PurgeTarget, Workflow } from '../core/index.ts';

export interface PurgeQuery {
  what: PurgeTarget;
  /** Only records whose last change (jobs, workflows) or last sign of life (pilots) is before this. */
  before: number;
  /** States to purge, already checked against core's PURGE_STATES. */
  states: readonly string[];
  /** Restricts the purge to these ids (they must still match everything else). */
  ids?: readonly number[];
  /** Only ids above this (paging in id order). */
  afterId: number;
  limit: number;
  /** Report what would be purged, change nothing. */
  dryRun: boolean;
  /** Also return the full records (for an export before deleting). */
  withRecords: boolean;
}

/** A job with its history, as exported. */
export interface PurgedJob {
  job: Job;
  events: JobEvent[];
  attempts: JobAttempt[];
}

/** One purged record as exported: a job with its history, a pilot, or a workflow with its jobs and files. */
export type PurgedRecord =
  | PurgedJob
  | { pilot: Pilot }
  | { workflow: Workflow; jobs: PurgedJob[]; datasets: Dataset[] };

export interface PurgeResult {
  /** Ids purged (or, in a dry run, that would be), ascending. */
  ids: number[];
  /** The records, when asked for, in the order of `ids`. */
  records: PurgedRecord[];
  /** The `afterId` of the next page, or null when this page was the last. */
  next: number | null;
}

export interface RetentionStore {
  /**
   * Purges one page of matching records in one transaction: a job goes with its events, attempts
   * and logs; a workflow with its jobs (and theirs) and its datasets. Dispatched/running jobs,
   * idle/running pilots, jobs of workflows (they go with their workflow) and workflows with
   * dispatched/running jobs are never touched.
   */
  purge(query: PurgeQuery): Promise<PurgeResult>;
}
