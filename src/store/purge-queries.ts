// The purge of jobs and pilots: select one page of matching ids (row-locked on PostgreSQL when
// deleting), read their records if asked, and delete them with everything that hangs off them.

import type { Kysely } from 'kysely';
import type { JobState, PilotState } from '../core/index.ts';
import type { DialectSql, Lockable } from './dialect.ts';
import type { PurgedJob, PurgedRecord, PurgeQuery, PurgeResult } from './retention-store.ts';
import { toJob, toJobAttempt, toJobEvent, toPilot } from './rows.ts';
import type { Database } from './schema.ts';

/** Reads (dry run) or deletes one page of old jobs that no pilot holds and no workflow owns. */
export async function purgeJobsIn(
  db: Kysely<Database>,
  dialect: DialectSql,
  query: PurgeQuery,
): Promise<PurgeResult> {
  if (!hasScope(query)) return { ids: [], records: [], next: null };
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where('state', 'in', query.states as JobState[])
    .where('updated_at', '<', query.before)
    .where('workflow_id', 'is', null)
    .where('id', '>', query.afterId)
    .$if(query.ids !== undefined, (qb) => qb.where('id', 'in', query.ids as number[]))
    .orderBy('id')
    .limit(query.limit)
    .$call((qb) => lockPage(qb, dialect, query))
    .execute();
  const ids = rows.map((row) => row.id);
  const records = query.withRecords ? await jobRecords(db, ids) : [];
  if (!query.dryRun) await deleteJobs(db, ids);
  return { ids, records, next: nextAfter(ids, query.limit) };
}

/** Reads (dry run) or deletes one page of stopped or lost pilots silent since before the cutoff. */
export async function purgePilotsIn(
  db: Kysely<Database>,
  dialect: DialectSql,
  query: PurgeQuery,
): Promise<PurgeResult> {
  if (!hasScope(query)) return { ids: [], records: [], next: null };
  const rows = await db
    .selectFrom('pilots')
    .selectAll()
    .where('state', 'in', query.states as PilotState[])
    .where('last_seen_at', '<', query.before)
    .where('current_job_id', 'is', null)
    .where('id', '>', query.afterId)
    .$if(query.ids !== undefined, (qb) => qb.where('id', 'in', query.ids as number[]))
    .orderBy('id')
    .limit(query.limit)
    .$call((qb) => lockPage(qb, dialect, query))
    .execute();
  const ids = rows.map((row) => row.id);
  if (!query.dryRun && ids.length > 0) await db.deleteFrom('pilots').where('id', 'in', ids).execute();
  const records: PurgedRecord[] = query.withRecords ? rows.map((row) => ({ pilot: toPilot(row) })) : [];
  return { ids, records, next: nextAfter(ids, query.limit) };
}

/** Jobs with their events and attempts, in id order (logs are not exported: they can be huge). */
export async function jobRecords(db: Kysely<Database>, ids: number[]): Promise<PurgedJob[]> {
  if (ids.length === 0) return [];
  const jobs = await db.selectFrom('jobs').selectAll().where('id', 'in', ids).orderBy('id').execute();
  const events = await db
    .selectFrom('job_events')
    .selectAll()
    .where('job_id', 'in', ids)
    .orderBy('job_id')
    .orderBy('id')
    .execute();
  const attempts = await db
    .selectFrom('job_attempts')
    .selectAll()
    .where('job_id', 'in', ids)
    .orderBy('job_id')
    .orderBy('attempt')
    .execute();
  return jobs.map((row) => ({
    job: toJob(row),
    events: events.filter((e) => e.job_id === row.id).map(toJobEvent),
    attempts: attempts.filter((a) => a.job_id === row.id).map(toJobAttempt),
  }));
}

/** Deletes jobs with their logs, attempts and events (children first: the foreign keys need it). */
export async function deleteJobs(db: Kysely<Database>, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('job_logs').where('job_id', 'in', ids).execute();
  await db.deleteFrom('job_samples').where('job_id', 'in', ids).execute();
  await db.deleteFrom('job_attempts').where('job_id', 'in', ids).execute();
  await db.deleteFrom('job_events').where('job_id', 'in', ids).execute();
  await db.deleteFrom('jobs').where('id', 'in', ids).execute();
}

/** An empty state or id list matches nothing (and `IN ()` is not valid SQL everywhere). */
export function hasScope(query: PurgeQuery): boolean {
  return query.states.length > 0 && query.ids?.length !== 0 && query.limit > 0;
}

/**
 * A purge locks the page while deleting, so a row that changes meanwhile (a retry, a pilot coming
 * back) is re-checked and skipped; a dry run locks nothing.
 */
export function lockPage<QB extends Lockable<QB>>(qb: QB, dialect: DialectSql, query: PurgeQuery): QB {
  return query.dryRun ? qb : dialect.lockRows(qb);
}

/** A full page may have a successor; a short one was the last. */
export function nextAfter(ids: number[], limit: number): number | null {
  return ids.length === limit ? (ids.at(-1) ?? null) : null;
}
