// The PostgreSQL finish of a job outside any workflow, in one statement: check the holder, end the
// attempt, write its event and attempt rows and mark the pilot idle. On PostgreSQL every statement
// is a round trip, and the general path (finishJobIn) takes five of them before its commit. When the
// statement matches nothing — a workflow job, a lost lease, a retried report — it changed nothing
// and the caller runs the general path, which handles the workflow or says precisely why.

import { sql } from 'kysely';
import { ACTIVE_JOB_STATES, type JobState, type JobTransition, nextJobState } from '../core/index.ts';
import { executePrepared } from './pg-prepared.ts';
import { ATTEMPT_COLUMNS, ATTEMPT_VALUES } from './rows.ts';
import type { JobRow, JobUpdate, PilotRow } from './schema.ts';
import type { FinishInput } from './store.ts';
import type { Tx } from './transaction.ts';

/** How the attempt ends, as finishJobIn resolved it from the pilot's report. */
export interface Ending {
  state: JobState;
  transition: JobTransition;
  actor: string;
  /** The end columns (exit code, signal, error): the same for every holder of the job. */
  set: Required<Pick<JobUpdate, 'exit_code' | 'signal' | 'error_name' | 'error_code' | 'error_diag'>>;
}

/** The ended job and the pilot row after it (idle, or unchanged when stopped); undefined when nothing matched. */
export async function finishSoloJobPostgres(
  tx: Tx,
  input: FinishInput,
  ending: Ending,
): Promise<{ row: JobRow; pilot: PilotRow } | undefined> {
  const from = ACTIVE_JOB_STATES.filter((state) => nextJobState(state, ending.transition) === ending.state);
  const { metrics, started } = input;
  const result = await executePrepared(
    tx,
    sql<JobRow & { p3s_from_state: JobState; p3s_pilot: PilotRow }>`
      WITH holder AS (SELECT * FROM pilots WHERE uuid = ${input.pilotUuid}::text),
      old AS (
        SELECT id, state FROM jobs
        WHERE id = ${input.jobId}::integer AND attempt = ${input.attempt}::integer AND workflow_id IS NULL
          AND pilot_id = (SELECT id FROM holder) AND state = ANY (${from}::text[])
        FOR UPDATE),
      changed AS (
        UPDATE jobs
        SET state = ${ending.state}::text, updated_at = ${input.now}::bigint, ended_at = ${input.now}::bigint,
            lease_expires_at = NULL,
            exit_code = ${ending.set.exit_code}::integer, signal = ${ending.set.signal}::text,
            error_name = ${ending.set.error_name}::text, error_code = ${ending.set.error_code}::integer,
            error_diag = ${ending.set.error_diag}::text,
            cpu_seconds = COALESCE(${metrics?.cpuSeconds ?? null}::double precision, cpu_seconds),
            max_rss_kb = GREATEST(max_rss_kb, ${metrics ? Math.max(metrics.maxRssKb, metrics.rssKb) : null}::bigint),
            pid = CASE WHEN old.state = 'dispatched' THEN COALESCE(${started?.pid ?? null}::integer, jobs.pid) ELSE jobs.pid END,
            started_at = CASE WHEN old.state = 'dispatched' AND ${started ? 1 : 0}::integer = 1
              THEN ${input.now - (started?.msAgo ?? 0)}::bigint ELSE jobs.started_at END
        FROM old WHERE jobs.id = old.id
        RETURNING jobs.*, old.state AS p3s_from_state),
      event_row AS (
        INSERT INTO job_events (job_id, attempt, at, from_state, to_state, transition, actor, detail)
        SELECT id, attempt, ${input.now}::bigint, p3s_from_state, state, ${ending.transition}::text,
               ${ending.actor}::text, ${ending.set.error_diag}::text
        FROM changed),
      attempt_row AS (INSERT INTO job_attempts (${sql.raw(ATTEMPT_COLUMNS)}) SELECT ${sql.raw(ATTEMPT_VALUES)} FROM changed),
      idle AS (
        UPDATE pilots SET state = 'idle', current_job_id = NULL, jobs_run = jobs_run + 1, last_seen_at = ${input.now}::bigint
        FROM changed WHERE pilots.id = changed.pilot_id AND pilots.state <> 'stopped'
        RETURNING pilots.*)
      SELECT changed.*, COALESCE((SELECT to_jsonb(idle) FROM idle), (SELECT to_jsonb(holder) FROM holder)) AS p3s_pilot
      FROM changed`,
  );
  const found = result.rows[0];
  if (!found) return undefined;
  const { p3s_from_state: _from, p3s_pilot: pilot, ...row } = found;
  return { row, pilot };
}
