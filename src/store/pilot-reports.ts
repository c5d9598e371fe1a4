// What pilots report, applied in one transaction each: claim, start, heartbeat, finish and
// deregistration. A report on a job the pilot no longer holds raises LeaseLostError. A workflow job
// that ends advances its workflow in the same transaction (its workflow row is locked first).

import {
  ACTIVE_JOB_STATES,
  AppError,
  isActiveJobState,
  isTerminalJobState,
  JOB_ERRORS,
  type JobMetrics,
  type JobTransition,
  LeaseLostError,
  type MatchRequest,
  NotFoundError,
  pilotHeard,
  pilotMove,
  resolveOutcome,
  TERMINAL_PILOT_STATES,
} from '../core/index.ts';
import type { DialectSql, Ending } from './dialect.ts';
import { findJob, lockJob, transitionJob } from './job-queries.ts';
import { appendLogIn } from './log-queries.ts';
import { findPilotByUuid, markPilotIdle, requireLivePilot, touchPilotRow } from './pilot-queries.ts';
import { type Arg, precompiled } from './precompiled.ts';
import type { JobRow, JobUpdate, PilotRow } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import type { FinishInput, HeartbeatInput, JobCommandReply, StartInput } from './store.ts';
import type { Tx } from './transaction.ts';
import { advanceWorkflowIn, lockWorkflow, lockWorkflowOfJob } from './workflow-advance.ts';

export const pilotActor = (uuid: string) => `pilot:${uuid}`;

export async function claimJobIn(
  tx: Tx,
  dialect: DialectSql,
  pilotUuid: string,
  match: MatchRequest,
  leaseMs: number,
  now: number,
): Promise<JobRow | undefined> {
  // Locking the pilot first serialises its claims with its deregistration; the claim itself never waits.
  const pilot = await requireLivePilot(tx, dialect, pilotUuid);
  if (pilot.stop_requested !== 0) return undefined;
  return dialect.claimForPilot(tx, pilot, match, leaseMs, now);
}

/**
 * The first poll of a claim: records the pilot's sign of life and, unless it was asked to stop,
 * claims for its own site and job types — one transaction instead of a touch and a claim.
 */
export async function touchAndClaimIn(
  tx: Tx,
  dialect: DialectSql,
  pilotUuid: string,
  leaseMs: number,
  now: number,
): Promise<{ pilot: PilotRow; row: JobRow | undefined }> {
  const live = await requireLivePilot(tx, dialect, pilotUuid);
  const claimed = await claimWithPilot(tx, dialect, live, leaseMs, now);
  // A claim already marked the pilot running and seen (markPilotBusy); otherwise this is the touch.
  return claimed.row ? claimed : { pilot: await touchPilotRow(tx, live, now), row: undefined };
}

/**
 * Claims for a pilot whose row this transaction read or wrote (fetch-next passes the row its finish
 * left, so the pilot is not read twice): nothing when it is stopped or was asked to stop; the job it
 * still holds unstarted, if any; else the best job for its site and types.
 */
export async function claimWithPilot(
  tx: Tx,
  dialect: DialectSql,
  pilot: PilotRow,
  leaseMs: number,
  now: number,
): Promise<{ pilot: PilotRow; row: JobRow | undefined }> {
  if (TERMINAL_PILOT_STATES.includes(pilot.state) || pilot.stop_requested !== 0)
    return { pilot, row: undefined };
  // The pilot claims only when it holds nothing: a job it still holds unstarted is one whose
  // claim reply it never got (lost on the way), so it gets that job again rather than a second one.
  const unanswered = await unstartedJobOf(tx, pilot);
  if (unanswered) {
    const lease = Math.max(unanswered.lease_expires_at ?? 0, now + leaseMs);
    const args = { id: unanswered.id, pilotId: pilot.id, attempt: unanswered.attempt, lease, now };
    const row = (await extendLeaseOnly.first(tx, args)) ?? unanswered;
    await seen.rows(tx, { id: pilot.id, now });
    return { pilot: { ...pilot, last_seen_at: now }, row };
  }
  const row = await dialect.claimForPilot(tx, pilot, matchOf(pilot), leaseMs, now);
  if (!row) return { pilot, row };
  const state = pilotMove(pilotHeard(pilot.state, pilot.uuid), 'running', pilot.uuid);
  return { pilot: { ...pilot, state, current_job_id: row.id, last_seen_at: now }, row };
}

/** The job the pilot's row says it holds, if that job is still dispatched to it and not started. */
async function unstartedJobOf(tx: Tx, pilot: PilotRow): Promise<JobRow | undefined> {
  if (pilot.current_job_id === null) return undefined;
  const job = await findJob(tx, pilot.current_job_id);
  return job?.state === 'dispatched' && job.pilot_id === pilot.id ? job : undefined;
}

/** What a pilot serves: its site and job types as registered. */
export function matchOf(pilot: PilotRow): MatchRequest {
  return { site: pilot.site, jobTypes: JSON.parse(pilot.job_types) as string[] };
}

interface Held {
  pilot: PilotRow;
  job: JobRow;
}

/** The reporting pilot and its job, locked; throws LeaseLostError unless the pilot holds this attempt. */
async function heldJob(
  tx: Tx,
  dialect: DialectSql,
  jobId: number,
  pilotUuid: string,
  attempt: number,
  missingJobNotFound = false,
): Promise<Held> {
  const pilot = await findPilotByUuid(tx, pilotUuid);
  if (!pilot) throw new LeaseLostError(jobId, `pilot ${pilotUuid} is not registered`);
  const job = await lockJob(tx, dialect, jobId);
  if (!job)
    throw missingJobNotFound
      ? new NotFoundError('job', jobId)
      : new LeaseLostError(jobId, 'the job was deleted');
  if (job.pilot_id !== pilot.id) throw new LeaseLostError(jobId, 'it was given to another pilot');
  if (job.attempt !== attempt) {
    throw new LeaseLostError(jobId, `attempt ${attempt} is over, the job is on attempt ${job.attempt}`);
  }
  return { pilot, job };
}

/** The largest RSS seen, as the metrics columns keep it (heartbeats and reports may lower the current one). */
export const maxRss = (job: JobRow, metrics: JobMetrics) =>
  Math.max(job.max_rss_kb ?? 0, metrics.maxRssKb, metrics.rssKb);

function metricsUpdate(job: JobRow, metrics: JobMetrics | null): JobUpdate {
  if (!metrics) return {};
  return { cpu_seconds: metrics.cpuSeconds, max_rss_kb: maxRss(job, metrics) };
}

function reply(job: JobRow, leaseExpiresAt: number): JobCommandReply {
  return { command: job.kill_requested !== 0 ? 'kill' : null, leaseExpiresAt };
}

type LeaseArgs = { id: number; pilotId: number; attempt: number; lease: number; now: number };
const leaseColumns = (arg: Arg<LeaseArgs>) => ({ lease_expires_at: arg('lease'), updated_at: arg('now') });

/** The lease extension of a heartbeat, without and with metrics (two statements, each compiled once). */
const extendLeaseOnly = precompiled((db, arg: Arg<LeaseArgs>) =>
  db
    .updateTable('jobs')
    .set(leaseColumns(arg))
    .where('id', '=', arg('id'))
    .where('state', 'in', ACTIVE_JOB_STATES)
    .where('pilot_id', '=', arg('pilotId'))
    .where('attempt', '=', arg('attempt'))
    .returningAll(),
);
const extendLeaseWithMetrics = precompiled(
  (db, arg: Arg<LeaseArgs & { cpuSeconds: number; maxRssKb: number }>) =>
    db
      .updateTable('jobs')
      .set({ ...leaseColumns(arg), cpu_seconds: arg('cpuSeconds'), max_rss_kb: arg('maxRssKb') })
      .where('id', '=', arg('id'))
      .where('state', 'in', ACTIVE_JOB_STATES)
      .where('pilot_id', '=', arg('pilotId'))
      .where('attempt', '=', arg('attempt'))
      .returningAll(),
);
const seen = precompiled((db, arg: Arg<{ id: number; now: number }>) =>
  db
    .updateTable('pilots')
    .set({ last_seen_at: arg('now') })
    .where('id', '=', arg('id')),
);

/** Extends the lease of an active job the pilot holds (never shortening it) and stores metrics. */
async function extendLease(tx: Tx, held: Held, input: HeartbeatInput): Promise<JobRow> {
  const { job, pilot } = held;
  const args = {
    id: job.id,
    pilotId: pilot.id,
    attempt: input.attempt,
    lease: Math.max(job.lease_expires_at ?? 0, input.now + input.leaseMs),
    now: input.now,
  };
  const { metrics } = input;
  const updated = metrics
    ? await extendLeaseWithMetrics.first(tx, {
        ...args,
        cpuSeconds: metrics.cpuSeconds,
        maxRssKb: maxRss(job, metrics),
      })
    : await extendLeaseOnly.first(tx, args);
  if (!updated) throw new LeaseLostError(job.id, 'it is no longer active');
  await seen.rows(tx, { id: pilot.id, now: input.now });
  return updated;
}

export async function heartbeatJobIn(
  tx: Tx,
  dialect: DialectSql,
  input: HeartbeatInput,
): Promise<JobCommandReply> {
  const held = await heldJob(tx, dialect, input.jobId, input.pilotUuid, input.attempt);
  if (!isActiveJobState(held.job.state)) throw new LeaseLostError(input.jobId, `it is ${held.job.state}`);
  const updated = await extendLease(tx, held, input);
  return reply(updated, updated.lease_expires_at ?? 0);
}

export async function startJobIn(tx: Tx, dialect: DialectSql, input: StartInput): Promise<JobCommandReply> {
  const held = await heldJob(tx, dialect, input.jobId, input.pilotUuid, input.attempt);
  const { job, pilot } = held;
  // A repeated start (its first reply was lost) only extends the lease.
  if (job.state === 'running') {
    const extended = await extendLease(tx, held, input);
    return reply(extended, extended.lease_expires_at ?? 0);
  }
  if (job.state !== 'dispatched') throw new LeaseLostError(input.jobId, `it is ${job.state}`);
  const updated = await transitionJob(tx, dialect, {
    job,
    transition: 'start',
    operation: 'start',
    actor: pilotActor(input.pilotUuid),
    now: input.now,
    detail: input.pid === null ? null : `pid ${input.pid}`,
    holder: { pilotId: pilot.id, attempt: input.attempt },
    set: {
      ...metricsUpdate(job, input.metrics),
      pid: input.pid,
      started_at: input.now - (input.startedMsAgo ?? 0),
      lease_expires_at: Math.max(job.lease_expires_at ?? 0, input.now + input.leaseMs),
    },
  });
  await seen.rows(tx, { id: pilot.id, now: input.now });
  return reply(updated, updated.lease_expires_at ?? 0);
}

const ENDING_TRANSITION = {
  finished: 'finish',
  failed: 'fail',
  cancelled: 'cancel',
} as const satisfies Record<string, JobTransition>;

/** The pilot's report resolved into the end of the attempt (core/outcome.ts). */
export function endingOf(input: FinishInput): Ending {
  const { outcome } = input;
  const resolved = resolveOutcome(outcome);
  return {
    state: resolved.state,
    transition: ENDING_TRANSITION[resolved.state],
    actor: pilotActor(input.pilotUuid),
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
  // The workflow row is locked before the job's, as every writer of workflow jobs does.
  const workflow = await lockWorkflowOfJob(tx, dialect, input.jobId);
  const { job, pilot } = await heldJob(tx, dialect, input.jobId, input.pilotUuid, input.attempt, true);
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
  const updated = await transitionJob(tx, dialect, {
    job,
    transition: ending.transition,
    operation: 'finish',
    actor: ending.actor,
    now: input.now,
    detail: ending.set.error_diag,
    holder: { pilotId: pilot.id, attempt: input.attempt },
    set: {
      ...metricsUpdate(job, input.metrics),
      ...ending.set,
      lease_expires_at: null,
      ended_at: input.now,
      ...(job.state === 'dispatched' && input.started
        ? { pid: input.started.pid, started_at: input.now - input.started.msAgo }
        : {}),
    },
  });
  const { released } = workflow
    ? await advanceWorkflowIn(tx, dialect, workflow, updated, input.now)
    : { released: false };
  const pilotWritten = !thenClaim;
  if (pilotWritten) await markPilotIdle(tx, pilot.id, input.now);
  // The pilot row as markPilotIdle leaves it (a stopped pilot stays stopped), for a claim that follows.
  const idle = TERMINAL_PILOT_STATES.includes(pilot.state)
    ? pilot
    : {
        ...pilot,
        state: pilotMove(pilot.state, 'idle', pilot.uuid),
        current_job_id: null,
        jobs_run: pilot.jobs_run + 1,
        last_seen_at: input.now,
      };
  return { row: updated, released, pilot: idle, pilotWritten };
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

/** Stops a pilot; jobs it still holds fail with `pilot_shutdown`. Repeating it is harmless. */
export async function deregisterPilotIn(
  tx: Tx,
  dialect: DialectSql,
  uuid: string,
  now: number,
): Promise<PilotRow> {
  const pilot = await findPilotByUuid(tx, uuid);
  if (!pilot) throw new AppError('pilot_unknown', `pilot ${uuid} is not registered`);
  if (TERMINAL_PILOT_STATES.includes(pilot.state)) return pilot;
  const stopped = pilotMove(pilot.state, 'stopped', uuid);
  // Workflow rows before job rows, in id order, as every other writer of workflow jobs locks them.
  const workflowIds = await tx
    .selectFrom('jobs')
    .select('workflow_id')
    .distinct()
    .where('pilot_id', '=', pilot.id)
    .where('state', 'in', ACTIVE_JOB_STATES)
    .where('workflow_id', 'is not', null)
    .orderBy('workflow_id')
    .execute();
  const workflows = new Map<number, WorkflowRow>();
  for (const { workflow_id: id } of workflowIds) {
    const workflow = id === null ? undefined : await lockWorkflow(tx, dialect, id);
    if (workflow) workflows.set(workflow.id, workflow);
  }
  const held = await tx
    .selectFrom('jobs')
    .selectAll()
    .where('pilot_id', '=', pilot.id)
    .where('state', 'in', ACTIVE_JOB_STATES)
    .orderBy('id')
    .$call((qb) => dialect.lockRows(qb))
    .execute();
  for (const job of held) {
    const diag = `pilot ${uuid} deregistered while holding the job`;
    const failed = await transitionJob(tx, dialect, {
      job,
      transition: 'fail',
      operation: 'fail',
      actor: pilotActor(uuid),
      now,
      detail: diag,
      set: {
        error_name: 'pilot_shutdown',
        error_code: JOB_ERRORS.pilot_shutdown.code,
        error_diag: diag,
        lease_expires_at: null,
        ended_at: now,
      },
    });
    const workflow = job.workflow_id === null ? undefined : workflows.get(job.workflow_id);
    if (workflow)
      workflows.set(workflow.id, (await advanceWorkflowIn(tx, dialect, workflow, failed, now)).workflow);
  }
  return tx
    .updateTable('pilots')
    .set({ state: stopped, current_job_id: null, ended_at: now, last_seen_at: now })
    .where('id', '=', pilot.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
