// The SQLite finish of jobs outside any workflow, for the reports read in one turn of the event
// loop together (finish-batcher.ts turnBatcher): each statement below serves the whole group, where
// the general path (finishJobIn and the claim after it) runs its statements per report (figures in
// docs/performance.md). A report the group cannot take (a workflow job, a lost
// lease, a retried report, output to store) is answered undefined, untouched, and the caller runs
// the general path, which handles it or says precisely why.

import {
  ACTIVE_JOB_STATES,
  type JobState,
  nextJobState,
  sqlStateList,
  TERMINAL_PILOT_STATES,
} from '../../core/index.ts';
import type { SoloFinish, SoloFinished } from '../dialect.ts';
import { matchOf, mayClaim } from '../reports/claim.ts';
import { maxRss, pilotAfterFinish } from '../reports/held.ts';
import { ATTEMPT_FROM_JOB } from '../rows.ts';
import type { JobRow, PilotRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';
import { claimGroupSqlite } from './claim.ts';
import { INSERT_EVENTS, overJson, readPilotsAndJobs } from './groups.ts';
import { SQLITE_SQL } from './sql.ts';

// The compare-and-set repeats what the reads checked: the group holds the write lock, so it always
// matches. The unary + keeps the planner off the state index: each row is found by its id.
const END_JOBS = `
  UPDATE jobs SET state = r.value ->> 'state', updated_at = r.value ->> 'now', ended_at = r.value ->> 'ended_at',
    lease_expires_at = NULL, exit_code = r.value ->> 'exit_code', signal = r.value ->> 'signal',
    error_name = r.value ->> 'error_name', error_code = r.value ->> 'error_code',
    error_diag = r.value ->> 'error_diag', cpu_seconds = r.value ->> 'cpu_seconds',
    max_rss_kb = r.value ->> 'max_rss_kb', pid = r.value ->> 'pid', started_at = r.value ->> 'started_at'
  FROM json_each(?) AS r
  WHERE jobs.id = r.value ->> 'id' AND +jobs.state = r.value ->> 'from' AND jobs.pilot_id = r.value ->> 'pilot_id'
    AND jobs.attempt = r.value ->> 'attempt'
  RETURNING *`;

// attemptOf() in SQL, from the rows END_JOBS just wrote.
const INSERT_ATTEMPTS = `
  INSERT INTO job_attempts (${Object.keys(ATTEMPT_FROM_JOB).join(', ')})
  SELECT ${Object.values(ATTEMPT_FROM_JOB).join(', ')} FROM jobs WHERE id IN (SELECT value FROM json_each(?))`;

// A stopped pilot stays stopped (as markPilotIdle leaves it).
const MARK_PILOTS = `
  UPDATE pilots SET state = p.value ->> 'state', current_job_id = p.value ->> 'job_id',
    jobs_run = p.value ->> 'jobs_run', last_seen_at = p.value ->> 'now'
  FROM json_each(?) AS p
  WHERE pilots.id = p.value ->> 'id' AND pilots.state NOT IN (${sqlStateList(TERMINAL_PILOT_STATES)})`;

/** A report the group takes: its pilot and job as read, and the state the job ends from. */
interface Taken {
  ord: number;
  finish: SoloFinish;
  pilot: PilotRow;
  job: JobRow;
}

/**
 * Applies the reports, which name distinct jobs and distinct pilots (the batcher keeps them apart),
 * in one write transaction; answers in their order. Claims go to the pilots in report order, the
 * best job first, as claimNextJobSqlite picks them one at a time.
 */
export async function finishSoloJobsSqlite(
  tx: Tx,
  finishes: readonly SoloFinish[],
): Promise<(SoloFinished | undefined)[]> {
  const answers: (SoloFinished | undefined)[] = finishes.map(() => undefined);
  const taken = await takeReports(tx, finishes);
  if (taken.length === 0) return answers;
  const ended = await overJson<JobRow>(tx, END_JOBS, taken.map(endOf));
  const endedById = new Map(ended.map((row) => [row.id, row]));
  const done = taken.filter((t) => endedById.has(t.job.id));
  await overJson(
    tx,
    INSERT_EVENTS,
    done.map((t) => endEventOf(t, endedById.get(t.job.id) as JobRow)),
  );
  await overJson(
    tx,
    INSERT_ATTEMPTS,
    done.map((t) => t.job.id),
  );
  const claimed = await claimGroupSqlite(
    tx,
    done.filter(wantsClaim).map(({ pilot, finish }) => ({
      pilot,
      match: matchOf(pilot),
      now: finish.input.now,
      leaseMs: finish.claimMs ?? 0,
    })),
    SQLITE_SQL,
  );
  await overJson(
    tx,
    MARK_PILOTS,
    done.map((t) => pilotMarkOf(t, claimed.get(t.pilot.id))),
  );
  for (const t of done) {
    const next = claimed.get(t.pilot.id);
    answers[t.ord] = {
      row: endedById.get(t.job.id) as JobRow,
      pilot: pilotAfter(t, next),
      next,
      unserved: false,
    };
  }
  return answers;
}

/** The reports whose pilot holds an active attempt of a job outside any workflow, read once for all. */
async function takeReports(tx: Tx, finishes: readonly SoloFinish[]): Promise<Taken[]> {
  const { pilots, jobs } = await readPilotsAndJobs(
    tx,
    finishes.map((f) => f.input),
  );
  const taken: Taken[] = [];
  for (const [ord, finish] of finishes.entries()) {
    const pilot = pilots.get(finish.input.pilotUuid);
    const job = jobs.get(finish.input.jobId);
    if (!pilot || !job || finish.input.logs?.chunks.length) continue;
    const holds = job.pilot_id === pilot.id && job.attempt === finish.input.attempt;
    if (holds && job.workflow_id === null && endsFrom(job.state, finish))
      taken.push({ ord, finish, pilot, job });
  }
  return taken;
}

/** Whether the report's ending is an edge of the state machine from the job's (active) state. */
function endsFrom(state: JobState, { ending }: SoloFinish): boolean {
  return ACTIVE_JOB_STATES.includes(state) && nextJobState(state, ending.transition) === ending.state;
}

/** The columns finishJobIn sets, from the report and the job as read (the write lock keeps it current). */
function endOf({ finish, pilot, job }: Taken) {
  const { input, ending } = finish;
  const { metrics, started } = input;
  const startsNow = job.state === 'dispatched' && started !== undefined && started !== null;
  return {
    id: job.id,
    from: job.state,
    pilot_id: pilot.id,
    attempt: job.attempt,
    state: ending.state,
    now: input.now,
    ended_at: ending.endedAt,
    ...ending.set,
    cpu_seconds: metrics ? metrics.cpuSeconds : job.cpu_seconds,
    max_rss_kb: metrics ? maxRss(job, metrics) : job.max_rss_kb,
    pid: startsNow ? started.pid : job.pid,
    started_at: ending.startedAt ?? (startsNow ? ending.unreportedStartAt : job.started_at),
  };
}

function endEventOf({ finish, job }: Taken, row: JobRow) {
  const { input, ending } = finish;
  return {
    job_id: row.id,
    attempt: row.attempt,
    at: input.now,
    from_state: job.state,
    to_state: row.state,
    transition: ending.transition,
    actor: ending.actor,
    detail: ending.set.error_diag,
  };
}

/** Fetch-next reports of pilots that may take another job. */
const wantsClaim = ({ finish, pilot }: Taken) => finish.claimMs !== undefined && mayClaim(pilot);

/** The pilot's row after its report: idle, or running its next job, with one more job run (MARK_PILOTS skips a stopped one). */
function pilotMarkOf(t: Taken, next: JobRow | undefined) {
  const after = pilotAfter(t, next);
  return {
    id: after.id,
    state: after.state,
    job_id: after.current_job_id,
    jobs_run: after.jobs_run,
    now: after.last_seen_at,
  };
}

function pilotAfter({ pilot, finish }: Taken, next: JobRow | undefined): PilotRow {
  return pilotAfterFinish(pilot, next, finish.input.now);
}
