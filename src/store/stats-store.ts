// Monitor aggregates in domain verbs, reached as `store.stats`: the time series of the overview,
// recent failures grouped by error and diagnostic, and queue depth by job type and site.

import type {
  FailureGroup,
  JobState,
  MetricsSnapshot,
  QueueDepthRow,
  StatsWindow,
  Timeline,
} from '../core/index.ts';

export interface StatsStore {
  /** Jobs finished and failed per bucket, running jobs and live pilots at each bucket's end. */
  timeline(window: StatsWindow, now: number): Promise<Timeline>;
  /**
   * Failed jobs that ended at or after `since`, grouped by error and diagnostic pattern (see
   * core/stats.ts), largest first; `total` counts every failed job in the window.
   */
  failures(since: number, limit: number): Promise<{ groups: FailureGroup[]; total: number }>;
  /** Defined, dispatched and running jobs by job type and requested site. */
  queueDepth(): Promise<QueueDepthRow[]>;
  /**
   * Every job counted by state, requested site and job type (with the oldest `defined_at` of the
   * waiting ones), and every pilot by state and site: what /metrics reports. A whole-table walk:
   * the server caches it between scrapes.
   */
  metricsSnapshot(): Promise<MetricsSnapshot>;
  /** The jobs of `ids` counted by state (ids of no job are not counted): what --wait shows. */
  jobStates(ids: readonly number[]): Promise<Partial<Record<JobState, number>>>;
}
