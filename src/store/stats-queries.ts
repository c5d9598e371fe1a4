// SQL of the monitor aggregates, shared by both dialects: bucketed counts over job_events and
// pilots, failure groups over ended jobs, queue depth over active jobs. Each query walks an index.

import { type Kysely, sql } from 'kysely';
import {
  type BucketDeltas,
  GONE_PILOT_STATES,
  type JobState,
  LIVE_PILOT_STATES,
  type MetricsSnapshot,
  QUEUE_JOB_STATES,
  type QueueDepthRow,
  sqlStateList,
} from '../core/index.ts';
import type { Database } from './schema.ts';

/**
 * Per-bucket job counts from job_events in [from, to): ends as finished/failed, and entries into
 * and exits from `running` (job_events_by_at_index). SQLite binds JS numbers as REAL, so the bucket is cast to an integer; GROUP BY 1 because
 * PostgreSQL would see the repeated expression's parameters as different ones.
 */
export async function jobEventBuckets(
  db: Kysely<Database>,
  from: number,
  to: number,
  bucketMs: number,
): Promise<Map<number, Omit<BucketDeltas, 'pilotStarts' | 'pilotEnds'>>> {
  const rows = await sql<{ bucket: number; finished: number; failed: number; starts: number; ends: number }>`
    SELECT CAST((at - ${from}) / ${bucketMs} AS INTEGER) AS bucket,
           SUM(CASE WHEN to_state = 'finished' THEN 1 ELSE 0 END) AS finished,
           SUM(CASE WHEN to_state = 'failed' THEN 1 ELSE 0 END) AS failed,
           SUM(CASE WHEN to_state = 'running' THEN 1 ELSE 0 END) AS starts,
           SUM(CASE WHEN from_state = 'running' THEN 1 ELSE 0 END) AS ends
    FROM job_events
    WHERE at >= ${from} AND at < ${to}
    GROUP BY 1`.execute(db);
  const out = new Map<number, Omit<BucketDeltas, 'pilotStarts' | 'pilotEnds'>>();
  for (const r of rows.rows) {
    const bucket = Number(r.bucket);
    out.set(bucket, {
      bucket,
      finished: Number(r.finished),
      failed: Number(r.failed),
      runStarts: Number(r.starts),
      runEnds: Number(r.ends),
    });
  }
  return out;
}

/**
 * Per-bucket pilot registrations and ends in [from, to). A stopped pilot ended at ended_at; a
 * lost one when it was last heard from (it may come back, which the series does not show).
 */
export async function pilotBuckets(
  db: Kysely<Database>,
  from: number,
  to: number,
  bucketMs: number,
): Promise<Map<number, { starts: number; ends: number }>> {
  const starts = await sql<{ bucket: number; n: number }>`
    SELECT CAST((registered_at - ${from}) / ${bucketMs} AS INTEGER) AS bucket, COUNT(*) AS n
    FROM pilots WHERE registered_at >= ${from} AND registered_at < ${to}
    GROUP BY 1`.execute(db);
  const ends = await sql<{ bucket: number; n: number }>`
    SELECT CAST((e.end_at - ${from}) / ${bucketMs} AS INTEGER) AS bucket, COUNT(*) AS n
    FROM (SELECT CASE state WHEN 'stopped' THEN ended_at WHEN 'lost' THEN last_seen_at END AS end_at
          FROM pilots WHERE state IN (${sql.raw(sqlStateList(GONE_PILOT_STATES))})) e
    WHERE e.end_at >= ${from} AND e.end_at < ${to}
    GROUP BY 1`.execute(db);
  const out = new Map<number, { starts: number; ends: number }>();
  const at = (bucket: number) => {
    const entry = out.get(bucket) ?? { starts: 0, ends: 0 };
    out.set(bucket, entry);
    return entry;
  };
  for (const r of starts.rows) at(Number(r.bucket)).starts += Number(r.n);
  for (const r of ends.rows) at(Number(r.bucket)).ends += Number(r.n);
  return out;
}

/** Jobs running now and pilots live now: where the series starts walking back from. */
export async function liveCounts(db: Kysely<Database>): Promise<{ running: number; pilots: number }> {
  const running = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'running')
    .executeTakeFirstOrThrow();
  const pilots = await db
    .selectFrom('pilots')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', LIVE_PILOT_STATES)
    .executeTakeFirstOrThrow();
  return { running: Number(running.n), pilots: Number(pilots.n) };
}

/** The jobs of `ids` by state (the primary key finds each). */
export async function jobStateCounts(
  db: Kysely<Database>,
  ids: readonly number[],
): Promise<Partial<Record<JobState, number>>> {
  if (ids.length === 0) return {};
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
    .where('id', 'in', ids)
    .groupBy('state')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
}

/** Exact (error, diagnostic) groups of failed jobs ended since `since` (jobs_by_ended_index), largest first. */
export async function failureRows(db: Kysely<Database>, since: number, limit: number) {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => [
      'error_name',
      'error_code',
      'error_diag',
      eb.fn.countAll<number>().as('n'),
      eb.fn.max('ended_at').as('last_at'),
      eb.fn.max('id').as('last_id'),
    ])
    .where('ended_at', '>=', since)
    .where('state', '=', 'failed')
    .groupBy(['error_name', 'error_code', 'error_diag'])
    .orderBy('n', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    errorName: r.error_name,
    errorCode: r.error_code === null ? null : Number(r.error_code),
    diag: r.error_diag,
    count: Number(r.n),
    lastAt: Number(r.last_at),
    lastJobId: Number(r.last_id),
  }));
}

export async function failureTotal(db: Kysely<Database>, since: number): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ended_at', '>=', since)
    .where('state', '=', 'failed')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Active jobs counted by type and requested site (an index-only scan of the partial jobs_queue_index). */
export async function queueDepthRows(db: Kysely<Database>): Promise<QueueDepthRow[]> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['state', 'jobtype', 'site', eb.fn.countAll<number>().as('n')])
    // Literal states (not parameters), so SQLite can match the partial index's own WHERE.
    .where(sql<boolean>`state IN (${sql.raw(sqlStateList(QUEUE_JOB_STATES))})`)
    .groupBy(['state', 'jobtype', 'site'])
    .execute();
  const byKey = new Map<string, QueueDepthRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.jobtype, r.site]);
    const row = byKey.get(key) ?? { jobtype: r.jobtype, site: r.site, defined: 0, dispatched: 0, running: 0 };
    byKey.set(key, row);
    row[r.state as 'defined' | 'dispatched' | 'running'] += Number(r.n);
  }
  return [...byKey.values()].sort(
    (a, b) =>
      b.defined + b.dispatched + b.running - (a.defined + a.dispatched + a.running) ||
      a.jobtype.localeCompare(b.jobtype) ||
      (a.site ?? '').localeCompare(b.site ?? ''),
  );
}

/** Jobs by state, requested site and job type, with the oldest defined_at of the waiting ones. */
export async function jobMetricRows(db: Kysely<Database>): Promise<MetricsSnapshot['jobs']> {
  const rows = await sql<{
    state: string;
    site: string | null;
    jobtype: string;
    n: number;
    oldest: number | null;
  }>`
    SELECT state, site, jobtype, COUNT(*) AS n,
           MIN(CASE WHEN state = 'defined' THEN defined_at END) AS oldest
    FROM jobs
    GROUP BY state, site, jobtype`.execute(db);
  return rows.rows.map((r) => ({
    state: r.state as MetricsSnapshot['jobs'][number]['state'],
    site: r.site,
    jobtype: r.jobtype,
    count: Number(r.n),
    oldestDefinedAt: r.oldest === null ? null : Number(r.oldest),
  }));
}

/** Pilots by state and site. */
export async function pilotMetricRows(db: Kysely<Database>): Promise<MetricsSnapshot['pilots']> {
  const rows = await db
    .selectFrom('pilots')
    .select((eb) => ['state', 'site', eb.fn.countAll<number>().as('n')])
    .groupBy(['state', 'site'])
    .execute();
  return rows.map((r) => ({ state: r.state, site: r.site, count: Number(r.n) }));
}
