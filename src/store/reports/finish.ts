// The finish report in one transaction: ends the attempt as the report says (end-attempt.ts: retry
// rules, then its workflow, locked first), and leaves the pilot idle or hands it to the claim that
// follows (fetch-next).

import {
  isActiveJobState,
  isTerminalJobState,
  JOB_ERRORS,
  type JobTransition,
  LeaseLostError,
  resolveOutcome,
} from '../../core/index.ts';
import type { DialectSql, Ending } from '../dialect.ts';
import { appendLogIn } from '../log-queries.ts';
import { markPilotIdle } from '../pilot-queries.ts';
import type { JobRow, PilotRow } from '../schema.ts';
import type { FinishInput } from '../store.ts';
import type { Tx } from '../transaction.ts';
import { lockWorkflow, lockWorkflowOfJob } from '../workflow-advance.ts';
import { claimWithPilot, touchAndClaimIn } from './claim.ts';
import { endAttemptIn } from './end-attempt.ts';
import { heldJob, metricsUpdate, pilotActor, pilotAfterFinish } from './held.ts';

const ENDING_TRANSITION = {
  finished: 'finish',
  failed: 'fail',
  cancelled: 'cancel',
} as const satisfies Record<string, JobTransition>;

/**
 * When the attempt ran, from the pilot's measured intervals back from the report's arrival: the
 * spawn and the exit themselves, whatever the pilot's clock says. A report without them (an older
 * pilot) ends the attempt on arrival, and dates a start it never reported from `started`.
 */
export function attemptTimes({
  now,
  ran,
  started,
}: FinishInput): Pick<Ending, 'endedAt' | 'startedAt' | 'unreportedStartAt'> {
  const unreportedStartAt = started ? now - started.msAgo : null;
  if (!ran) return { endedAt: now, startedAt: null, unreportedStartAt };
  const endedAt = now - ran.endedMsAgo;
  return { endedAt, startedAt: endedAt - ran.ms, unreportedStartAt };
}

/** The pilot's report resolved into the end of the attempt (core/outcome.ts). */
export function endingOf(input: FinishInput): Ending {
  const { outcome } = input;
  const resolved = resolveOutcome(outcome);
  return {
    state: resolved.state,
    transition: ENDING_TRANSITION[resolved.state],
    actor: pilotActor(input.pilotUuid),
    ...attemptTimes(input),
    set: {
      exit_code: outcome.kind === 'exited' ? outcome.exitCode : null,
      signal: outcome.kind === 'signaled' ? outcome.signal : null,
      error_name: resolved.errorName,
      error_code: resolved.errorName === null ? null : JOB_ERRORS[resolved.errorName].code,
      error_diag: resolved.diag,
    },
  };
}

/**
 * Ends the attempt; `released` says whether workflow jobs became claimable (signal after the commit).
 * With `thenClaim` the pilot's row is left for the claim that follows (finishAndClaimIn), which
 * writes it once, idle or running its next job, instead of twice.
 */
export async function finishJobIn(
  tx: Tx,
  dialect: DialectSql,
  input: FinishInput,
  thenClaim = false,
): Promise<{ row: JobRow; released: boolean; pilot: PilotRow | undefined; pilotWritten: boolean }> {
  const ending = endingOf(input);
  // Where rows are locked, the workflow's is taken before the job's, as every writer of workflow
  // jobs does; SQLite's single writer needs no order, so its workflow id comes from the job's row.
  const lockedFirst = dialect.locksRows ? await lockWorkflowOfJob(tx, dialect, input.jobId) : undefined;
  const { job, pilot } = await heldJob(tx, dialect, input.jobId, input.pilotUuid, input.attempt, true);
  const workflow =
    dialect.locksRows || job.workflow_id === null
      ? lockedFirst
      : await lockWorkflow(tx, dialect, job.workflow_id);
  // The last output comes with the report; it is stored only while the attempt is active.
  if (isActiveJobState(job.state) && input.logs) {
    const { chunks, caps } = input.logs;
    for (const { stream, offset, data } of chunks) {
      const target = { jobId: job.id, attempt: input.attempt, stream };
      await appendLogIn(tx, dialect, target, offset, data, caps, input.now);
    }
  }
  if (isTerminalJobState(job.state)) {
    // A retried report whose first reply was lost: the job already ended by this pilot's word.
    if (await endedByReportOf(tx, job, input.pilotUuid))
      return { row: job, released: false, pilot: undefined, pilotWritten: false };
    throw new LeaseLostError(
      input.jobId,
      `it is already ${job.state}${job.error_name ? ` (${job.error_name})` : ''}`,
    );
  }
  if (!isActiveJobState(job.state)) throw new LeaseLostError(input.jobId, `it is ${job.state}`);
  const { ended: updated, released } = await endAttemptIn(tx, dialect, {
    job,
    transition: ending.transition,
    operation: 'finish',
    actor: ending.actor,
    now: input.now,
    detail: ending.set.error_diag,
    holder: { pilotId: pilot.id, attempt: input.attempt },
    workflow,
    set: {
      ...metricsUpdate(job, input.metrics),
      ...ending.set,
      lease_expires_at: null,
      ended_at: ending.endedAt,
      ...(job.state === 'dispatched' && input.started
        ? { pid: input.started.pid, started_at: ending.unreportedStartAt }
        : {}),
      ...(ending.startedAt !== null ? { started_at: ending.startedAt } : {}),
    },
  });
  const pilotWritten = !thenClaim;
  if (pilotWritten) await markPilotIdle(tx, pilot.id, input.now);
  // The pilot row as markPilotIdle leaves it (a stopped pilot stays stopped), for a claim that follows.
  return { row: updated, released, pilot: pilotAfterFinish(pilot, undefined, input.now), pilotWritten };
}

/**
 * A finish and the pilot's next claim in one transaction: the claim starts from the pilot's row as
 * the finish left it; a retried finish (its reply lost) changed nothing, so the pilot is read again.
 */
export async function finishAndClaimIn(
  tx: Tx,
  dialect: DialectSql,
  input: FinishInput,
  leaseMs: number,
): Promise<{ row: JobRow; released: boolean; touched: { pilot: PilotRow; row: JobRow | undefined } }> {
  const finished = await finishJobIn(tx, dialect, input, true);
  if (!finished.pilot) {
    const touched = await touchAndClaimIn(tx, dialect, input.pilotUuid, leaseMs, input.now);
    return { ...finished, touched };
  }
  const touched = await claimWithPilot(tx, dialect, finished.pilot, leaseMs, input.now);
  // A claim marked the pilot running with its finished job counted (markPilotBusy writes the row it was given).
  if (!finished.pilotWritten && !touched.row) await markPilotIdle(tx, finished.pilot.id, input.now);
  return { ...finished, touched };
}

/** Whether the job's last state change was an ending reported by this pilot (not the reaper, not a stop). */
async function endedByReportOf(tx: Tx, job: JobRow, pilotUuid: string): Promise<boolean> {
  const last = await tx
    .selectFrom('job_events')
    .select(['transition', 'actor', 'attempt'])
    .where('job_id', '=', job.id)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    last !== undefined &&
    last.attempt === job.attempt &&
    last.actor === pilotActor(pilotUuid) &&
    (last.transition === 'finish' || last.transition === 'fail' || last.transition === 'cancel')
  );
}
