// StatsStore over Kysely for both dialects: read-only aggregates outside any transaction, each
// query bounded by an index (see migrations/0004-monitor.ts); the pure rules are core/stats.ts.

import type { Kysely } from 'kysely';
import {
  type BucketDeltas,
  buildTimeline,
  type FailureGroup,
  type JobState,
  type MetricsSnapshot,
  mergeFailureGroups,
  type QueueDepthRow,
  type StatsWindow,
  type Timeline,
  windowBuckets,
} from '../core/index.ts';
import type { StoreDialect } from './dialect.ts';
import type { Database } from './schema.ts';
import {
  failureRows,
  failureTotal,
  jobEventBuckets,
  jobMetricRows,
  jobStateCounts,
  liveCounts,
  pilotBuckets,
  pilotMetricRows,
  queueDepthRows,
} from './stats-queries.ts';
import type { StatsStore } from './stats-store.ts';
import { guardStore } from './store-errors.ts';

/** Exact groups read before folding by pattern: enough that the top groups are right in practice. */
const EXACT_GROUPS = 1000;

export class SqlStatsStore implements StatsStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {}

  timeline(window: StatsWindow, now: number): Promise<Timeline> {
    return guardStore(async () => {
      const { from, to, bucketMs } = windowBuckets(window, now);
      // Live counts first: events after this read only make the series lean towards now's values.
      const { live, jobs, pilots } = await this.dialect.aggregateRead(this.db, async (db) => ({
        live: await liveCounts(db),
        jobs: await jobEventBuckets(db, from, to, bucketMs),
        pilots: await pilotBuckets(db, from, to, bucketMs),
      }));
      const deltas: BucketDeltas[] = [];
      for (const bucket of new Set([...jobs.keys(), ...pilots.keys()])) {
        const j = jobs.get(bucket);
        const p = pilots.get(bucket);
        deltas.push({
          bucket,
          finished: j?.finished ?? 0,
          failed: j?.failed ?? 0,
          runStarts: j?.runStarts ?? 0,
          runEnds: j?.runEnds ?? 0,
          pilotStarts: p?.starts ?? 0,
          pilotEnds: p?.ends ?? 0,
        });
      }
      return buildTimeline(window, now, deltas, live);
    });
  }

  failures(since: number, limit: number): Promise<{ groups: FailureGroup[]; total: number }> {
    return guardStore(() =>
      this.dialect.aggregateRead(this.db, async (db) => {
        const rows = await failureRows(db, since, EXACT_GROUPS);
        return { groups: mergeFailureGroups(rows, limit), total: await failureTotal(db, since) };
      }),
    );
  }

  queueDepth(): Promise<QueueDepthRow[]> {
    return guardStore(() => queueDepthRows(this.db));
  }

  metricsSnapshot(): Promise<MetricsSnapshot> {
    return guardStore(() =>
      this.dialect.aggregateRead(this.db, async (db) => ({
        jobs: await jobMetricRows(db),
        pilots: await pilotMetricRows(db),
      })),
    );
  }

  jobStates(ids: readonly number[]): Promise<Partial<Record<JobState, number>>> {
    return guardStore(() => jobStateCounts(this.db, ids));
  }
}
