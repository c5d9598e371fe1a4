// Workers in domain verbs, reached as `store.workers`: the factory records what it submitted and
// what the batch system reports; pilots are linked to their worker when they register; users ask
// for removals and drain sites. A separate interface from Store's job and pilot verbs.

import type {
  EndedWorker,
  NewWorker,
  Site,
  Worker,
  WorkerChange,
  WorkerCounts,
  WorkerEndings,
  WorkerState,
} from '../core/index.ts';

export interface WorkerFilter {
  site?: string;
  states?: WorkerState[];
}

export interface WorkerStore {
  /** Records newly submitted (or refused) workers in one transaction, in input order. */
  submitWorkers(workers: NewWorker[], now: number): Promise<Worker[]>;
  /**
   * Applies batch-state changes, each a compare-and-set on its `from` state (core/worker-state.ts
   * allows the move, else InvalidTransitionError). A worker that moved on meanwhile is skipped.
   */
  recordWorkerChanges(
    changes: WorkerChange[],
    now: number,
  ): Promise<{ applied: Worker[]; skipped: number[] }>;
  /**
   * Links the newest unlinked worker with this batch id at this site to the pilot that registered
   * with it (batch systems reuse ids after a restart; the older workers with it have ended).
   */
  linkPilot(batchId: string, site: string | null, pilotId: number, now: number): Promise<void>;
  /** Asks the factory to remove an active worker; throws NotFoundError / InvalidTransitionError. */
  requestWorkerKill(id: number, by: string, now: number): Promise<Worker>;
  getWorker(id: number): Promise<Worker | undefined>;
  /** Newest first (by id), or by end time for `order: 'ended'` (ended workers only). */
  listWorkers(
    filter: WorkerFilter,
    page: { limit: number; offset: number; order?: 'newest' | 'ended' },
  ): Promise<{ workers: Worker[]; total: number }>;
  /** The site's workers by state, and how many running ones hold no job. */
  countWorkers(site: string): Promise<WorkerCounts>;
  /** How the site's workers that ended at or after `since` ended. */
  countEndings(site: string, since: number): Promise<WorkerEndings>;
  /** The site's latest endings, newest first (for the factory's start-failure and backoff rules). */
  recentEndings(site: string, limit: number): Promise<EndedWorker[]>;
  /**
   * Drains a site in one transaction: marks it drained, asks its live pilots to stop after their
   * job, and asks the factory to remove its queued workers whose pilot has not registered. Throws NotFoundError.
   */
  drainSite(name: string, by: string, now: number): Promise<{ site: Site; pilots: number; workers: number }>;
  /** Undoes a drain and forgives earlier worker failures (feeding starts afresh). Throws NotFoundError. */
  resumeSite(name: string, now: number): Promise<Site>;
}
