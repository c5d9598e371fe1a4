// The PostgreSQL finish of jobs outside any workflow, in one statement run on its own (no
// BEGIN/COMMIT): for each report, check the holder, end the attempt, write its event and attempt
// rows and mark the pilot idle — or, for fetch-next, claim its next job in the same statement.
// Reports that arrive together go in one statement (finish-batcher.ts): on PostgreSQL every
// statement is a round trip, a commit and an executor start, and the general path (finishJobIn in
// a transaction) takes seven, or eight with the claim. A report the statement matches nothing for
// (a workflow job, a lost lease, a retried report) changed nothing, and the caller runs the general
// path, which handles the workflow or says precisely why. A report that carries output goes to the
// general path directly (SqlStore).

import { type Kysely, sql } from 'kysely';
import { ACTIVE_JOB_STATES, type JobState, nextJobState } from '../../core/index.ts';
import type { SoloFinish, SoloFinished } from '../dialect.ts';
import { NEXT_CLAIMABLE_JOBS } from '../migrations/0007-claim-batch.ts';
import { ATTEMPT_ROW_CTE } from '../rows.ts';
import type { Database, JobRow, PilotRow } from '../schema.ts';
import { CLAIMANT_JOB_TYPES, dispatchCtes, TERMINAL_PILOTS_SQL } from './claim.ts';
import { executePrepared } from './prepared.ts';

/**
 * Applies the reports, which name distinct jobs and distinct pilots (finish-batcher.ts keeps them
 * apart), in one statement; answers in their order. Claims go to the pilots in report order, the
 * best job first (core/matching.ts, through migration 0007's function), to the pilots that serve
 * what the first one does and offer the same resources; the group's lifetime is its shortest
 * (min ignores the unlimited), so every job picked fits every pilot (core/job-fit.ts).
 */
export async function finishSoloJobsPostgres(
  db: Kysely<Database>,
  finishes: readonly SoloFinish[],
): Promise<(SoloFinished | undefined)[]> {
  const now = Math.max(...finishes.map((f) => f.input.now));
  // The jobs and pilots also as arrays: the planner takes a set-returning function for 100 rows and
  // would hash the whole jobs table to join them; `= ANY (array)` is an index lookup at any size.
  const ids = finishes.map((f) => f.input.jobId);
  const uuids = finishes.map((f) => f.input.pilotUuid);
  const result = await executePrepared(
    db,
    sql<EndedRow>`
      WITH report AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(finishes.map(reportOf))}::jsonb) AS r(
          ord integer, job_id integer, attempt integer, pilot_uuid text, from_states text[], claim_ms bigint,
          state text, transition text, actor text, now bigint, exit_code integer, signal text, error_name text,
          error_code integer, error_diag text, cpu_seconds double precision, max_rss_kb bigint,
          started_pid integer, started_at bigint, unreported_start_at bigint, ended_at bigint)),
      holder AS (
        SELECT pilots.*, report.ord AS p3s_ord FROM report JOIN pilots ON pilots.uuid = report.pilot_uuid
        WHERE pilots.uuid = ANY (${uuids}::text[])),
      old AS (
        SELECT jobs.id, jobs.state, report.ord FROM report
        JOIN holder ON holder.p3s_ord = report.ord
        JOIN jobs ON jobs.id = report.job_id AND jobs.attempt = report.attempt AND jobs.workflow_id IS NULL
          AND jobs.pilot_id = holder.id AND jobs.state = ANY (report.from_states)
        WHERE jobs.id = ANY (${ids}::integer[])
        ORDER BY jobs.id
        FOR UPDATE OF jobs),
      changed AS (
        UPDATE jobs
        SET state = report.state, updated_at = report.now, ended_at = report.ended_at, lease_expires_at = NULL,
            exit_code = report.exit_code, signal = report.signal, error_name = report.error_name,
            error_code = report.error_code, error_diag = report.error_diag,
            cpu_seconds = COALESCE(report.cpu_seconds, jobs.cpu_seconds),
            max_rss_kb = GREATEST(jobs.max_rss_kb, report.max_rss_kb),
            pid = CASE WHEN old.state = 'dispatched' THEN COALESCE(report.started_pid, jobs.pid) ELSE jobs.pid END,
            started_at = COALESCE(report.started_at, CASE WHEN old.state = 'dispatched'
              THEN report.unreported_start_at END, jobs.started_at)
        FROM old JOIN report ON report.ord = old.ord
        WHERE jobs.id = old.id AND jobs.id = ANY (${ids}::integer[])
        RETURNING jobs.*, old.state AS p3s_from_state, old.ord AS p3s_ord),
      event_row AS (
        INSERT INTO job_events (job_id, attempt, at, from_state, to_state, transition, actor, detail)
        SELECT changed.id, changed.attempt, report.now, changed.p3s_from_state, changed.state, report.transition,
               report.actor, report.error_diag
        FROM changed JOIN report ON report.ord = changed.p3s_ord),
      ${sql.raw(ATTEMPT_ROW_CTE)},
      wanting AS (
        SELECT holder.*, report.claim_ms AS p3s_claim_ms, ${sql.raw(CLAIMANT_JOB_TYPES)} AS p3s_types
        FROM changed JOIN report ON report.ord = changed.p3s_ord JOIN holder ON holder.p3s_ord = changed.p3s_ord
        WHERE report.claim_ms IS NOT NULL AND holder.state NOT IN (${TERMINAL_PILOTS_SQL}) AND holder.stop_requested = 0),
      lead AS (SELECT site, p3s_types, memory_mib, cores, disk_mib FROM wanting ORDER BY p3s_ord LIMIT 1),
      claimant AS (
        SELECT wanting.*, row_number() OVER (ORDER BY wanting.p3s_ord) AS p3s_rank
        FROM wanting JOIN lead ON wanting.site IS NOT DISTINCT FROM lead.site
          AND wanting.p3s_types IS NOT DISTINCT FROM lead.p3s_types
          AND wanting.memory_mib IS NOT DISTINCT FROM lead.memory_mib
          AND wanting.cores IS NOT DISTINCT FROM lead.cores
          AND wanting.disk_mib IS NOT DISTINCT FROM lead.disk_mib),
      picks AS (
        SELECT claimant.id AS pilot_id, pick.job_id
        FROM lead
        CROSS JOIN LATERAL ${sql.raw(NEXT_CLAIMABLE_JOBS)}(lead.site, lead.p3s_types, (SELECT count(*) FROM claimant)::integer,
          lead.memory_mib, lead.cores, lead.disk_mib, (SELECT min(lifetime_ends_at) FROM claimant) - ${now}::bigint)
          WITH ORDINALITY AS pick(job_id, rank)
        JOIN claimant ON claimant.p3s_rank = pick.rank),
      ${dispatchCtes(now, sql`${now}::bigint + claimant.p3s_claim_ms`)},
      pilot_after AS (
        UPDATE pilots
        SET state = CASE WHEN next.id IS NULL THEN 'idle' ELSE 'running' END, current_job_id = next.id,
            jobs_run = jobs_run + 1, last_seen_at = report.now
        FROM changed JOIN report ON report.ord = changed.p3s_ord LEFT JOIN next ON next.pilot_id = changed.pilot_id
        WHERE pilots.id = changed.pilot_id AND pilots.state NOT IN (${TERMINAL_PILOTS_SQL})
        RETURNING pilots.*)
      SELECT changed.*,
             COALESCE((SELECT to_jsonb(p) FROM pilot_after p WHERE p.id = changed.pilot_id),
                      (SELECT to_jsonb(h) - 'p3s_ord' FROM holder h WHERE h.p3s_ord = changed.p3s_ord)) AS p3s_pilot,
             (SELECT to_jsonb(n) FROM next n WHERE n.pilot_id = changed.pilot_id) AS p3s_next,
             EXISTS (SELECT 1 FROM wanting w WHERE w.p3s_ord = changed.p3s_ord)
               AND NOT EXISTS (SELECT 1 FROM claimant c WHERE c.p3s_ord = changed.p3s_ord) AS p3s_unserved
      FROM changed`,
  );
  const answers: (SoloFinished | undefined)[] = finishes.map(() => undefined);
  for (const found of result.rows) {
    const {
      p3s_from_state: _from,
      p3s_ord: ord,
      p3s_pilot: pilot,
      p3s_next: next,
      p3s_unserved,
      ...row
    } = found;
    answers[ord] = { row, pilot, next: next ?? undefined, unserved: p3s_unserved };
  }
  return answers;
}

type EndedRow = JobRow & {
  p3s_from_state: JobState;
  p3s_ord: number;
  p3s_pilot: PilotRow;
  p3s_next: JobRow | null;
  p3s_unserved: boolean;
};

/** One report as a row of the statement's `report` set; `ord` is its place in the list. */
function reportOf({ input, ending, claimMs }: SoloFinish, ord: number) {
  const { metrics, started } = input;
  return {
    ord,
    job_id: input.jobId,
    attempt: input.attempt,
    pilot_uuid: input.pilotUuid,
    // The states this ending can be reached from (the transition table, core/job-states.ts).
    from_states: ACTIVE_JOB_STATES.filter((state) => nextJobState(state, ending.transition) === ending.state),
    claim_ms: claimMs ?? null,
    state: ending.state,
    transition: ending.transition,
    actor: ending.actor,
    now: input.now,
    ...ending.set,
    cpu_seconds: metrics?.cpuSeconds ?? null,
    max_rss_kb: metrics ? Math.max(metrics.maxRssKb, metrics.rssKb) : null,
    started_pid: started?.pid ?? null,
    started_at: ending.startedAt,
    unreported_start_at: ending.unreportedStartAt,
    ended_at: ending.endedAt,
  };
}
