// The facts behind "why is this job waiting?" (core/why.ts turns them into reasons): counts and
// states read in one read-only transaction, so the pilots, the queue and the parents agree.

import { type Kysely, sql } from 'kysely';
import {
  LIVE_PILOT_STATES,
  type WhyEvent,
  type WhyFacts,
  type WhyPilotFacts,
  type WhyResources,
} from '../core/index.ts';
import { findJob } from './job-queries.ts';
import type { Database, JobEventRow, JobRow, PilotRow } from './schema.ts';

/** Counting the queue ahead stops here: past it the answer is "at least", and the read stays short. */
export const WHY_AHEAD_LIMIT = 1000;

/** What a job's waiting (or ending) depends on, as one snapshot; undefined when there is no such job. */
export function whyFactsIn(db: Kysely<Database>, id: number, now: number): Promise<WhyFacts | undefined> {
  // Repeatable read gives PostgreSQL one snapshot for every statement; SQLite's deferred BEGIN
  // reads one WAL snapshot anyway and ignores the settings.
  return db
    .transaction()
    .setAccessMode('read only')
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      const row = await findJob(tx, id);
      if (!row) return undefined;
      const queued = row.state === 'defined';
      return {
        now,
        job: jobFacts(row),
        ...(queued && { pilots: await pilotFacts(tx, row), ahead: await aheadOf(tx, row) }),
        parents: row.workflow_id === null ? [] : await parentsOf(tx, row.id),
        workflow: row.workflow_id === null ? null : ((await workflowOf(tx, row.workflow_id)) ?? null),
        holder: await holderOf(tx, row),
        lastEvent: await latestEvent(tx, row.id, false),
        ruleEvent: await latestEvent(tx, row.id, true),
      };
    });
}

function jobFacts(row: JobRow): WhyFacts['job'] {
  return {
    id: row.id,
    state: row.state,
    site: row.site,
    jobtype: row.jobtype,
    priority: row.priority,
    attempt: row.attempt,
    workflowId: row.workflow_id,
    dispatchedAt: row.dispatched_at,
    startedAt: row.started_at,
    leaseExpiresAt: row.lease_expires_at,
    releaseAt: row.release_at,
    killRequested: row.kill_requested !== 0,
    errorName: row.error_name,
    errorCode: row.error_code,
    errorDiag: row.error_diag,
    asks: { memoryMib: row.memory_mib, cores: row.cores, diskMib: row.disk_mib },
  };
}

/**
 * The live pilots that would take the job: a job with a site only its site's pilots, one without
 * any pilot (core/matching.ts); each accepting its type (an empty list accepts any).
 */
async function pilotFacts(tx: Kysely<Database>, job: JobRow): Promise<WhyPilotFacts> {
  // Every column, so the resources pilots advertise are read where the schema has them (see largestOf).
  const site = job.site;
  const rows = await tx
    .selectFrom('pilots')
    .selectAll()
    .where('state', 'in', LIVE_PILOT_STATES)
    .$if(site !== null, (qb) => qb.where('site', '=', site))
    .execute();
  const serving = rows.filter((pilot) => acceptsType(pilot, job.jobtype));
  const busy = serving.filter((pilot) => pilot.state === 'running').length;
  const notTaking = serving.filter(
    (pilot) => pilot.state !== 'running' && (pilot.hold !== null || pilot.stop_requested !== 0),
  ).length;
  const largest = largestOf(serving);
  return { live: serving.length, busy, notTaking, ...(largest && { largest }) };
}

function acceptsType(pilot: PilotRow, jobtype: string): boolean {
  const types = JSON.parse(pilot.job_types) as string[];
  return types.length === 0 || types.includes(jobtype);
}

const RESOURCE_COLUMNS: Record<keyof WhyResources, string> = {
  memoryMib: 'memory_mib',
  cores: 'cores',
  diskMib: 'disk_mib',
};

/**
 * The most of each resource the pilots advertise. Pilots advertise resources only where the
 * pilots table has those columns: without them (or without pilots) this is undefined and the
 * resource reason never appears. A pilot with no value for a resource makes that one unknown (null).
 */
export function largestOf(pilots: readonly object[]): WhyResources | undefined {
  const first = pilots[0] as Record<string, unknown> | undefined;
  if (!first || !Object.values(RESOURCE_COLUMNS).some((column) => column in first)) return undefined;
  const most = (column: string): number | null => {
    let max = 0;
    for (const pilot of pilots as Record<string, unknown>[]) {
      const value = pilot[column];
      if (value === null || value === undefined) return null;
      max = Math.max(max, Number(value));
    }
    return max;
  };
  return {
    memoryMib: most(RESOURCE_COLUMNS.memoryMib),
    cores: most(RESOURCE_COLUMNS.cores),
    diskMib: most(RESOURCE_COLUMNS.diskMib),
  };
}

/**
 * Defined jobs a pilot serving this one takes first (higher priority, or the same and older), of
 * its type and its site or none; counted up to WHY_AHEAD_LIMIT along the claimable indexes.
 */
async function aheadOf(tx: Kysely<Database>, job: JobRow): Promise<{ count: number; exact: boolean }> {
  const ahead = tx
    .selectFrom('jobs')
    .select('id')
    .where('state', '=', 'defined')
    .where('jobtype', '=', job.jobtype)
    .where((eb) =>
      job.site === null ? eb('site', 'is', null) : eb.or([eb('site', '=', job.site), eb('site', 'is', null)]),
    )
    .where((eb) =>
      eb.or([
        eb('priority', '>', job.priority),
        eb.and([eb('priority', '=', job.priority), eb('id', '<', job.id)]),
      ]),
    )
    .limit(WHY_AHEAD_LIMIT + 1);
  const row = await tx
    .selectFrom(ahead.as('ahead'))
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const count = Number(row.n);
  return count > WHY_AHEAD_LIMIT ? { count: WHY_AHEAD_LIMIT, exact: false } : { count, exact: true };
}

/** The jobs whose files flow into this one (its workflow parents), once each. */
async function parentsOf(tx: Kysely<Database>, jobId: number): Promise<WhyFacts['parents']> {
  return tx
    .selectFrom('datasets')
    .innerJoin('jobs', 'jobs.id', 'datasets.source_job_id')
    .select(['jobs.id as id', 'jobs.name as name', 'jobs.state as state'])
    .where('datasets.target_job_id', '=', jobId)
    .distinct()
    .orderBy('jobs.id')
    .execute();
}

function workflowOf(tx: Kysely<Database>, id: number) {
  return tx.selectFrom('workflows').select(['id', 'name', 'state']).where('id', '=', id).executeTakeFirst();
}

async function holderOf(tx: Kysely<Database>, job: JobRow): Promise<WhyFacts['holder']> {
  if (job.pilot_id === null || (job.state !== 'dispatched' && job.state !== 'running')) return null;
  const pilot = await tx
    .selectFrom('pilots')
    .select(['id', 'uuid', 'host', 'site', 'state', 'last_seen_at'])
    .where('id', '=', job.pilot_id)
    .executeTakeFirst();
  if (!pilot) return null;
  return {
    id: pilot.id,
    uuid: pilot.uuid,
    host: pilot.host,
    site: pilot.site,
    state: pilot.state,
    lastSeenAt: pilot.last_seen_at,
  };
}

/** The job's latest event; with `rule`, the latest by a retry rule (actor `rule:<name>`). */
async function latestEvent(tx: Kysely<Database>, jobId: number, rule: boolean): Promise<WhyEvent | null> {
  const row: JobEventRow | undefined = await tx
    .selectFrom('job_events')
    .selectAll()
    .where('job_id', '=', jobId)
    .$if(rule, (qb) => qb.where('actor', 'like', 'rule:%'))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    at: row.at,
    transition: row.transition,
    toState: row.to_state,
    actor: row.actor,
    detail: row.detail,
  };
}
