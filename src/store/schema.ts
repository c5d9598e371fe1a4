// The database schema as Kysely sees it (snake_case, one interface per table).
// Times are epoch milliseconds; JSON values (env, job types) are stored as text; flags are 0/1.

import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { JobState, JobTransition, LogStream, PilotState } from '../core/index.ts';
import type { AuthTables } from './schema-auth.ts';
import type { RetryRuleTables } from './schema-retry-rules.ts';
import type { SiteTables } from './schema-sites.ts';
import type { WorkerTables } from './schema-workers.ts';
import type { WorkflowTables } from './schema-workflows.ts';

export interface JobsTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  user_name: string;
  jobtype: string;
  payload: string;
  /** JSON object of string values. */
  env: string;
  priority: number;
  /** Seconds. */
  timelimit: number;
  site: string | null;
  state: JobState;
  attempt: Generated<number>;
  /** Workflow the job belongs to (no foreign key: SQLite cannot add one to an existing table). */
  workflow_id: number | null;
  pilot_id: number | null;
  host: string | null;
  ran_at_site: string | null;
  pid: number | null;
  exit_code: number | null;
  signal: string | null;
  error_name: string | null;
  error_code: number | null;
  error_diag: string | null;
  lease_expires_at: number | null;
  kill_requested: Generated<number>;
  cpu_seconds: number | null;
  max_rss_kb: number | null;
  /** Resource requests (0011): MiB, cores, MiB; NULL when not asked for. */
  memory_mib: number | null;
  cores: number | null;
  disk_mib: number | null;
  /** A retry parked until then by its rule's delay (0012); NULL otherwise. */
  release_at: number | null;
  created_at: number;
  defined_at: number | null;
  dispatched_at: number | null;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
}

export interface JobEventsTable {
  id: Generated<number>;
  job_id: number;
  attempt: number;
  at: number;
  from_state: JobState | null;
  to_state: JobState;
  transition: JobTransition | 'submit';
  actor: string;
  detail: string | null;
}

export interface JobAttemptsTable {
  job_id: number;
  attempt: number;
  state: JobState;
  pilot_id: number | null;
  host: string | null;
  site: string | null;
  exit_code: number | null;
  signal: string | null;
  error_name: string | null;
  error_code: number | null;
  error_diag: string | null;
  cpu_seconds: number | null;
  max_rss_kb: number | null;
  dispatched_at: number | null;
  started_at: number | null;
  ended_at: number | null;
}

export interface JobLogsTable {
  job_id: number;
  attempt: number;
  stream: LogStream;
  head: Buffer;
  tail: Buffer;
  total_bytes: number;
  tail_start: number;
  updated_at: number;
}

export interface PilotsTable {
  id: Generated<number>;
  uuid: string;
  host: string;
  site: string | null;
  pid: number;
  batch_id: string | null;
  /** JSON array of accepted job types; empty = any. */
  job_types: string;
  version: string;
  lifetime: number;
  state: PilotState;
  current_job_id: number | null;
  jobs_run: Generated<number>;
  stop_requested: Generated<number>;
  registered_at: number;
  last_seen_at: number;
  ended_at: number | null;
  /** The token that registered the pilot: only it (or an admin) may drive the pilot. */
  token_id: number | null;
  /** That token's identity name. */
  owner: string | null;
  /** Why the pilot takes no jobs, as it reported (e.g. its disk is full); null while it takes them. */
  hold: string | null;
  /** What the pilot offers (0013): MiB, cores, MiB; NULL = unknown, no constraint. */
  memory_mib: number | null;
  cores: number | null;
  disk_mib: number | null;
  /** When its lifetime ends by the server's clock (0013); NULL = unlimited or unknown. */
  lifetime_ends_at: number | null;
}

export interface IdempotencyKeysTable {
  owner: string;
  key: string;
  request: string;
  fingerprint: string;
  result: string;
  created_at: number;
  expires_at: number;
}

/** One memory/CPU sample of a job's attempt (0015). */
export interface JobSamplesTable {
  job_id: number;
  attempt: number;
  at: number;
  rss_kb: number;
  pss_kb: number | null;
  cpu_seconds: number;
}

export interface Database extends WorkflowTables, SiteTables, AuthTables, WorkerTables, RetryRuleTables {
  jobs: JobsTable;
  job_events: JobEventsTable;
  job_attempts: JobAttemptsTable;
  job_logs: JobLogsTable;
  job_samples: JobSamplesTable;
  pilots: PilotsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type JobRow = Selectable<JobsTable>;
export type NewJobRow = Insertable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
export type JobEventRow = Selectable<JobEventsTable>;
export type NewJobEvent = Insertable<JobEventsTable>;
export type JobAttemptRow = Selectable<JobAttemptsTable>;
export type JobLogRow = Selectable<JobLogsTable>;
export type PilotRow = Selectable<PilotsTable>;
