// What users do to jobs after submission, each in one transaction on a locked job row:
// kill, retry, adjust and delete.

import {
  ACTIVE_JOB_STATES,
  ADJUSTABLE_JOB_STATES,
  InvalidTransitionError,
  isActiveJobState,
  JOB_ERRORS,
  resolveOutcome,
} from '../core/index.ts';
import { deleteJobRows, findJob, lockExistingJob, transitionJob } from './job-queries.ts';
import type { JobRow, JobUpdate } from './schema.ts';
import type { Dialect, JobChanges } from './store.ts';
import type { Tx } from './transaction.ts';

/** template/defined → cancelled at once; dispatched/running → kill requested from the pilot. */
export async function killJobIn(
  tx: Tx,
  dialect: Dialect,
  id: number,
  actor: string,
  now: number,
): Promise<{ row: JobRow; immediate: boolean }> {
  const job = await lockExistingJob(tx, dialect, id);
  if (ADJUSTABLE_JOB_STATES.includes(job.state)) {
    const resolved = resolveOutcome({ kind: 'killed' });
    const row = await transitionJob(tx, {
      job,
      transition: 'cancel',
      operation: 'kill',
      actor,
      now,
      detail: resolved.diag,
      set: {
        error_name: resolved.errorName,
        error_code: JOB_ERRORS.killed.code,
        error_diag: resolved.diag,
        ended_at: now,
      },
    });
    return { row, immediate: true };
  }
  if (!isActiveJobState(job.state)) throw new InvalidTransitionError('job', id, job.state, 'kill');
  const row = await tx
    .updateTable('jobs')
    .set({ kill_requested: 1, updated_at: now })
    .where('id', '=', id)
    .where('state', 'in', ACTIVE_JOB_STATES)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw await refusal(tx, id, 'kill');
  return { row, immediate: false };
}

/** failed/cancelled → defined as the next attempt, with everything about the last attempt cleared. */
export async function retryJobIn(
  tx: Tx,
  dialect: Dialect,
  id: number,
  actor: string,
  now: number,
): Promise<JobRow> {
  const job = await lockExistingJob(tx, dialect, id);
  return transitionJob(tx, {
    job,
    transition: 'retry',
    operation: 'retry',
    actor,
    now,
    detail: `attempt ${job.attempt + 1}`,
    set: {
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
      kill_requested: 0,
      cpu_seconds: null,
      max_rss_kb: null,
      defined_at: now,
      dispatched_at: null,
      started_at: null,
      ended_at: null,
    },
  });
}

/** Changes a template/defined job; a state change releases (→ defined) or parks (→ template) it. */
export async function adjustJobIn(
  tx: Tx,
  dialect: Dialect,
  id: number,
  changes: JobChanges,
  actor: string,
  now: number,
): Promise<{ row: JobRow; released: boolean }> {
  const job = await lockExistingJob(tx, dialect, id);
  if (!ADJUSTABLE_JOB_STATES.includes(job.state))
    throw new InvalidTransitionError('job', id, job.state, 'adjust');
  const set: JobUpdate = {};
  if (changes.priority !== undefined) set.priority = changes.priority;
  if (changes.timelimit !== undefined) set.timelimit = changes.timelimit;
  if (changes.env !== undefined) {
    const env = JSON.parse(job.env) as Record<string, string>;
    for (const [key, value] of Object.entries(changes.env)) {
      if (value === null) delete env[key];
      else env[key] = value;
    }
    set.env = JSON.stringify(env);
  }
  if (changes.state !== undefined && changes.state !== job.state) {
    const release = changes.state === 'defined';
    const row = await transitionJob(tx, {
      job,
      transition: release ? 'release' : 'park',
      operation: 'adjust',
      actor,
      now,
      set: { ...set, defined_at: release ? now : null },
    });
    return { row, released: release };
  }
  const row = await tx
    .updateTable('jobs')
    .set({ ...set, updated_at: now })
    .where('id', '=', id)
    .where('state', 'in', ADJUSTABLE_JOB_STATES)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw await refusal(tx, id, 'adjust');
  return { row, released: false };
}

/** Removes a job that no pilot holds, with its events, attempts and logs. */
export async function deleteJobIn(tx: Tx, dialect: Dialect, id: number): Promise<void> {
  const job = await lockExistingJob(tx, dialect, id);
  if (isActiveJobState(job.state))
    throw new InvalidTransitionError('job', id, job.state, 'delete', 'kill it first');
  await deleteJobRows(tx, id);
}

async function refusal(tx: Tx, id: number, operation: string): Promise<Error> {
  const current = await findJob(tx, id);
  return new InvalidTransitionError('job', id, current?.state ?? 'gone', operation);
}
