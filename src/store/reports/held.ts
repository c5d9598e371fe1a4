// What every report on a held job shares: the reporting pilot and its job, locked and checked
// (LeaseLostError when the pilot no longer holds the attempt), the lease extension with the
// metrics the report carries (the largest-RSS rule), and the reply (lease, kill flag).

import {
  ACTIVE_JOB_STATES,
  type JobMetrics,
  LeaseLostError,
  NotFoundError,
  pilotHeard,
  pilotMove,
  TERMINAL_PILOT_STATES,
} from '../../core/index.ts';
import type { DialectSql } from '../dialect.ts';
import { lockJob } from '../job-queries.ts';
import { findPilotByUuid } from '../pilot-queries.ts';
import { type Arg, precompiled } from '../precompiled.ts';
import type { JobRow, JobUpdate, PilotRow } from '../schema.ts';
import type { HeartbeatInput, JobCommandReply } from '../store.ts';
import type { Tx } from '../transaction.ts';

export const pilotActor = (uuid: string) => `pilot:${uuid}`;

export interface Held {
  pilot: PilotRow;
  job: JobRow;
}

/** The reporting pilot and its job, locked; throws LeaseLostError unless the pilot holds this attempt. */
export async function heldJob(
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

export function metricsUpdate(job: JobRow, metrics: JobMetrics | null): JobUpdate {
  if (!metrics) return {};
  return { cpu_seconds: metrics.cpuSeconds, max_rss_kb: maxRss(job, metrics) };
}

/**
 * The pilot's row after a finish: idle, or running the job it claimed next, with one more job run;
 * a stopped pilot stays as it is.
 */
export function pilotAfterFinish(pilot: PilotRow, next: JobRow | undefined, now: number): PilotRow {
  if (TERMINAL_PILOT_STATES.includes(pilot.state)) return pilot;
  return {
    ...pilot,
    state: pilotMove(pilotHeard(pilot.state, pilot.uuid), next ? 'running' : 'idle', pilot.uuid),
    current_job_id: next?.id ?? null,
    jobs_run: pilot.jobs_run + 1,
    last_seen_at: now,
  };
}

/** A held job's lease after a report: extended to now + leaseMs, never shortened. */
export function extendedLease(job: Pick<JobRow, 'lease_expires_at'>, now: number, leaseMs: number): number {
  return Math.max(job.lease_expires_at ?? 0, now + leaseMs);
}

/** The reply to a report on a held job: its lease, and `kill` while a kill is requested. */
export function reply(job: Pick<JobRow, 'kill_requested'>, leaseExpiresAt: number): JobCommandReply {
  return { command: job.kill_requested !== 0 ? 'kill' : null, leaseExpiresAt };
}

type LeaseArgs = { id: number; pilotId: number; attempt: number; lease: number; now: number };
const leaseColumns = (arg: Arg<LeaseArgs>) => ({ lease_expires_at: arg('lease'), updated_at: arg('now') });

/** The lease extension of a heartbeat, without and with metrics (two statements, each compiled once). */
export const extendLeaseOnly = precompiled((db, arg: Arg<LeaseArgs>) =>
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
export const seen = precompiled((db, arg: Arg<{ id: number; now: number }>) =>
  db
    .updateTable('pilots')
    .set({ last_seen_at: arg('now') })
    .where('id', '=', arg('id')),
);

/** Extends the lease of an active job the pilot holds (never shortening it) and stores metrics. */
export async function extendLease(tx: Tx, held: Held, input: HeartbeatInput): Promise<JobRow> {
  const { job, pilot } = held;
  const args = {
    id: job.id,
    pilotId: pilot.id,
    attempt: input.attempt,
    lease: extendedLease(job, input.now, input.leaseMs),
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
