// Row ↔ domain mapping: the only place that knows how columns encode domain values
// (JSON text for env and job types, 0/1 for flags, error names as text).

import {
  isJobErrorName,
  type Job,
  type JobAttempt,
  type JobErrorName,
  type JobEvent,
  type Pilot,
} from '../core/index.ts';
import type {
  JobAttemptRow,
  JobAttemptsTable,
  JobEventRow,
  JobLogRow,
  JobRow,
  JobUpdate,
  PilotRow,
} from './schema.ts';
import type { ClaimedJob, StoredLog } from './store.ts';

function errorName(value: string | null): JobErrorName | null {
  return value !== null && isJobErrorName(value) ? value : null;
}

/** The resource requests a row holds, only those asked for (a NULL column is no request). */
function resources(row: JobRow): Pick<Job, 'memory' | 'cores' | 'disk'> {
  return {
    ...(row.memory_mib !== null && { memory: row.memory_mib }),
    ...(row.cores !== null && { cores: row.cores }),
    ...(row.disk_mib !== null && { disk: row.disk_mib }),
  };
}

export function toJob(row: JobRow): Job {
  return {
    ...resources(row),
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    user: row.user_name,
    jobtype: row.jobtype,
    payload: row.payload,
    env: JSON.parse(row.env) as Record<string, string>,
    priority: row.priority,
    timelimit: row.timelimit,
    site: row.site,
    state: row.state,
    attempt: row.attempt,
    workflowId: row.workflow_id,
    pilotId: row.pilot_id,
    host: row.host,
    ranAtSite: row.ran_at_site,
    pid: row.pid,
    exitCode: row.exit_code,
    signal: row.signal,
    errorName: errorName(row.error_name),
    errorCode: row.error_code,
    errorDiag: row.error_diag,
    leaseExpiresAt: row.lease_expires_at,
    killRequested: row.kill_requested !== 0,
    cpuSeconds: row.cpu_seconds,
    maxRssKb: row.max_rss_kb,
    createdAt: row.created_at,
    definedAt: row.defined_at,
    dispatchedAt: row.dispatched_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

export function toJobEvent(row: JobEventRow): JobEvent {
  return {
    id: row.id,
    jobId: row.job_id,
    attempt: row.attempt,
    at: row.at,
    fromState: row.from_state,
    toState: row.to_state,
    transition: row.transition,
    actor: row.actor,
    detail: row.detail,
  };
}

export function toJobAttempt(row: JobAttemptRow): JobAttempt {
  return {
    jobId: row.job_id,
    attempt: row.attempt,
    state: row.state,
    pilotId: row.pilot_id,
    host: row.host,
    site: row.site,
    exitCode: row.exit_code,
    signal: row.signal,
    errorName: errorName(row.error_name),
    errorCode: row.error_code,
    errorDiag: row.error_diag,
    cpuSeconds: row.cpu_seconds,
    maxRssKb: row.max_rss_kb,
    dispatchedAt: row.dispatched_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

/** The job columns whose values fit a job_attempts column of type T. */
type JobColumnFor<T> = { [J in keyof JobRow]: JobRow[J] extends T ? J : never }[keyof JobRow];

/**
 * Which job column fills each job_attempts column: attemptOf() below, and the PostgreSQL
 * `INSERT … SELECT` of job-queries.ts, so the two cannot drift apart.
 */
export const ATTEMPT_FROM_JOB = {
  job_id: 'id',
  attempt: 'attempt',
  state: 'state',
  pilot_id: 'pilot_id',
  host: 'host',
  site: 'ran_at_site',
  exit_code: 'exit_code',
  signal: 'signal',
  error_name: 'error_name',
  error_code: 'error_code',
  error_diag: 'error_diag',
  cpu_seconds: 'cpu_seconds',
  max_rss_kb: 'max_rss_kb',
  dispatched_at: 'dispatched_at',
  started_at: 'started_at',
  ended_at: 'ended_at',
} as const satisfies { [K in keyof JobAttemptsTable]: JobColumnFor<JobAttemptsTable[K]> };

/** attemptOf() in SQL: the CTE that records the attempt of the job rows a CTE `changed` returned. */
export const ATTEMPT_ROW_CTE = `attempt_row AS (INSERT INTO job_attempts (${Object.keys(ATTEMPT_FROM_JOB).join(', ')}) SELECT ${Object.values(ATTEMPT_FROM_JOB).join(', ')} FROM changed)`;

const ATTEMPT_ENTRIES = Object.entries(ATTEMPT_FROM_JOB) as [keyof JobAttemptsTable, keyof JobRow][];

/** The job_attempts record of the attempt a (just ended) job row holds. */
export function attemptOf(row: JobRow): JobAttemptsTable {
  const attempt: Record<string, unknown> = {};
  for (const [column, from] of ATTEMPT_ENTRIES) attempt[column] = row[from];
  // Every column is set, each from a job column of a fitting type (ATTEMPT_FROM_JOB's `satisfies`).
  return attempt as unknown as JobAttemptsTable;
}

/** The columns of an ended job made ready for its next attempt: everything about the last one cleared. */
export function nextAttempt(job: JobRow): JobUpdate {
  return {
    attempt: job.attempt + 1,
    pilot_id: null,
    host: null,
    ran_at_site: null,
    pid: null,
    exit_code: null,
    signal: null,
    error_name: null,
    error_code: null,
    error_diag: null,
    lease_expires_at: null,
    release_at: null,
    kill_requested: 0,
    cpu_seconds: null,
    max_rss_kb: null,
    defined_at: null,
    dispatched_at: null,
    started_at: null,
    ended_at: null,
  };
}

export function toPilot(row: PilotRow): Pilot {
  return {
    id: row.id,
    uuid: row.uuid,
    host: row.host,
    site: row.site,
    pid: row.pid,
    batchId: row.batch_id,
    jobTypes: JSON.parse(row.job_types) as string[],
    version: row.version,
    lifetime: row.lifetime,
    state: row.state,
    currentJobId: row.current_job_id,
    jobsRun: row.jobs_run,
    stopRequested: row.stop_requested !== 0,
    registeredAt: row.registered_at,
    lastSeenAt: row.last_seen_at,
    endedAt: row.ended_at,
    tokenId: row.token_id,
    owner: row.owner,
    hold: row.hold ?? null,
    memory: row.memory_mib ?? null,
    cores: row.cores ?? null,
    disk: row.disk_mib ?? null,
    lifetimeEndsAt: row.lifetime_ends_at ?? null,
  };
}

export function toStoredLog(row: JobLogRow): StoredLog {
  return {
    jobId: row.job_id,
    attempt: row.attempt,
    stream: row.stream,
    head: Buffer.from(row.head),
    tail: Buffer.from(row.tail),
    totalBytes: row.total_bytes,
    tailStart: row.tail_start,
  };
}

/** A touch-and-claim's rows as the store answers them. */
export function claimedOf(
  { pilot, row }: { pilot: PilotRow; row: JobRow | undefined },
  leaseExpiresAt: number,
): { pilot: Pilot; claimed: ClaimedJob | null } {
  const claimed = row ? { job: toJob(row), leaseExpiresAt: row.lease_expires_at ?? leaseExpiresAt } : null;
  return { pilot: toPilot(pilot), claimed };
}
