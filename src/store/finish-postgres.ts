// The PostgreSQL finish of a job outside any workflow, in one statement run on its own (no
// BEGIN/COMMIT): check the holder, end the attempt, write its event and attempt rows and mark the
// pilot idle — or, for fetch-next, claim its next job in the same statement. On PostgreSQL every
// statement is a round trip, and the general path (finishJobIn in a transaction) takes seven, or
// eight with the claim. When the statement matches nothing (a workflow job, a lost lease, a retried
// report) it changed nothing, and the caller runs the general path, which handles the workflow or
// says precisely why. A report that carries output goes to the general path directly (SqlStore).

import { type Kysely, sql } from 'kysely';
import { ACTIVE_JOB_STATES, type JobState, type JobTransition, nextJobState } from '../core/index.ts';
import { claimCtes } from './claim-postgres.ts';
import { executePrepared } from './pg-prepared.ts';
import { ATTEMPT_ROW_CTE } from './rows.ts';
import type { Database, JobRow, JobUpdate, PilotRow } from './schema.ts';
import type { FinishInput } from './store.ts';

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
  db: Kysely<Database>,
  input: FinishInput,
  ending: Ending,
): Promise<{ row: JobRow; pilot: PilotRow } | undefined> {
  const result = await executePrepared(
    db,
    sql<EndedRow>`
      ${endingCtes(input, ending)},
      idle AS (
        UPDATE pilots SET state = 'idle', current_job_id = NULL, jobs_run = jobs_run + 1, last_seen_at = ${input.now}::bigint
        FROM changed WHERE pilots.id = changed.pilot_id AND pilots.state <> 'stopped'
        RETURNING pilots.*)
      SELECT changed.*, COALESCE((SELECT to_jsonb(idle) FROM idle), (SELECT to_jsonb(holder) FROM holder)) AS p3s_pilot,
             NULL::jsonb AS p3s_next
      FROM changed`,
  );
  const ended = endedOf(result.rows[0]);
  return ended && { row: ended.row, pilot: ended.pilot };
}

/**
 * The finish above and, unless the pilot is stopped or asked to stop, the claim of its next job
 * (core/matching.ts, through migration 0006's function) with its event, the pilot's running (or
 * idle) mark and its workflow's running mark: fetch-next in one statement. Undefined, and nothing
 * changed, when the finish matched nothing.
 */
export async function finishAndClaimSoloPostgres(
  db: Kysely<Database>,
  input: FinishInput,
  ending: Ending,
  leaseMs: number,
): Promise<{ row: JobRow; pilot: PilotRow; next: JobRow | undefined } | undefined> {
  const result = await executePrepared(
    db,
    sql<EndedRow>`
      ${endingCtes(input, ending)},
      claimant AS (
        SELECT * FROM holder
        WHERE EXISTS (SELECT 1 FROM changed) AND state <> 'stopped' AND stop_requested = 0),
      ${claimCtes(input.now, leaseMs)},
      pilot_after AS (
        UPDATE pilots
        SET state = CASE WHEN next.id IS NULL THEN 'idle' ELSE 'running' END, current_job_id = next.id,
            jobs_run = jobs_run + 1, last_seen_at = ${input.now}::bigint
        FROM changed LEFT JOIN next ON true
        WHERE pilots.id = changed.pilot_id AND pilots.state <> 'stopped'
        RETURNING pilots.*)
      SELECT changed.*,
             COALESCE((SELECT to_jsonb(pilot_after) FROM pilot_after), (SELECT to_jsonb(holder) FROM holder)) AS p3s_pilot,
             (SELECT to_jsonb(next) FROM next) AS p3s_next
      FROM changed`,
  );
  return endedOf(result.rows[0]);
}

type EndedRow = JobRow & { p3s_from_state: JobState; p3s_pilot: PilotRow; p3s_next: JobRow | null };

function endedOf(found: EndedRow | undefined) {
  if (!found) return undefined;
  const { p3s_from_state: _from, p3s_pilot: pilot, p3s_next: next, ...row } = found;
  return { row, pilot, next: next ?? undefined };
}

/**
 * The finish's common part: the holder (not locked), the job row locked when this pilot holds this
 * attempt of a job outside any workflow, its end, and its event and attempt rows.
 */
function endingCtes(input: FinishInput, ending: Ending) {
  const from = ACTIVE_JOB_STATES.filter((state) => nextJobState(state, ending.transition) === ending.state);
  const { metrics, started } = input;
  return sql`
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
    ${sql.raw(ATTEMPT_ROW_CTE)}`;
}
