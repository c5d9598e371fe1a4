// What users do to jobs after submission, each in one transaction on a locked job row:
// kill, retry, adjust and delete. A workflow job's kill and retry advance its workflow in the same
// transaction; releasing, parking and deleting one job of a workflow is the workflow's to do.

import {
  ACTIVE_JOB_STATES,
  ADJUSTABLE_JOB_STATES,
  applyEnvPatch,
  canRetryAlone,
  InvalidTransitionError,
  isActiveJobState,
  JOB_ERRORS,
  resolveOutcome,
} from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { deleteJobRows, findJob, lockExistingJob, transitionJob } from './job-queries.ts';
import { nextAttempt } from './rows.ts';
import type { JobRow, JobUpdate } from './schema.ts';
import type { JobChanges } from './store.ts';
import type { Tx } from './transaction.ts';
import { advanceWorkflowIn, loadWorkflowGraph, lockWorkflowOfJob } from './workflow-advance.ts';

/** template/defined → cancelled at once; dispatched/running → kill requested from the pilot. */
export async function killJobIn(
  tx: Tx,
  dialect: DialectSql,
  id: number,
  actor: string,
  now: number,
): Promise<{ row: JobRow; immediate: boolean }> {
  const workflow = await lockWorkflowOfJob(tx, dialect, id);
  const job = await lockExistingJob(tx, dialect, id);
  if (workflow?.state === 'template') {
    throw new InvalidTransitionError('job', id, `in template workflow ${workflow.id}`, 'kill', notStarted);
  }
  if (ADJUSTABLE_JOB_STATES.includes(job.state)) {
    const resolved = resolveOutcome({ kind: 'killed' });
    const row = await transitionJob(tx, dialect, {
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
    if (workflow) await advanceWorkflowIn(tx, dialect, workflow, row, now);
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
  dialect: DialectSql,
  id: number,
  actor: string,
  now: number,
): Promise<JobRow> {
  const workflow = await lockWorkflowOfJob(tx, dialect, id);
  const job = await lockExistingJob(tx, dialect, id);
  if (workflow) {
    const graph = await loadWorkflowGraph(tx, workflow);
    if (!canRetryAlone(graph.dag, graph.states, job.name)) {
      throw new InvalidTransitionError(
        'job',
        id,
        `${job.state}, and not all its parents in workflow ${workflow.id} finished`,
        'retry',
        `retry the workflow: p3s workflow retry ${workflow.id}`,
      );
    }
  }
  const row = await transitionJob(tx, dialect, {
    job,
    transition: 'retry',
    operation: 'retry',
    actor,
    now,
    detail: `attempt ${job.attempt + 1}`,
    set: { ...nextAttempt(job), defined_at: now },
  });
  if (!workflow) return row;
  await advanceWorkflowIn(tx, dialect, workflow, row, now);
  // A retried noop completes at once: report the job as it is now.
  return (await findJob(tx, id)) ?? row;
}

const notStarted = 'start the workflow first, or cancel or delete the whole workflow';

/** Changes a template/defined job; a state change releases (→ defined) or parks (→ template) it. */
export async function adjustJobIn(
  tx: Tx,
  dialect: DialectSql,
  id: number,
  changes: JobChanges,
  actor: string,
  now: number,
): Promise<{ row: JobRow; released: boolean }> {
  const job = await lockExistingJob(tx, dialect, id);
  if (!ADJUSTABLE_JOB_STATES.includes(job.state))
    throw new InvalidTransitionError('job', id, job.state, 'adjust');
  if (job.workflow_id !== null && changes.state !== undefined && changes.state !== job.state) {
    throw new InvalidTransitionError(
      'job',
      id,
      `${job.state} in workflow ${job.workflow_id}`,
      changes.state === 'defined' ? 'release' : 'park',
      'its workflow releases it when all its parents finished',
    );
  }
  const set: JobUpdate = {};
  if (changes.priority !== undefined) set.priority = changes.priority;
  if (changes.timelimit !== undefined) set.timelimit = changes.timelimit;
  if (changes.env !== undefined) {
    set.env = JSON.stringify(applyEnvPatch(JSON.parse(job.env) as Record<string, string>, changes.env));
  }
  if (changes.state !== undefined && changes.state !== job.state) {
    const release = changes.state === 'defined';
    const row = await transitionJob(tx, dialect, {
      job,
      transition: release ? 'release' : 'park',
      operation: 'adjust',
      actor,
      now,
      // A user's release or park overrides a deferred retry's own release time.
      set: { ...set, defined_at: release ? now : null, release_at: null },
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
export async function deleteJobIn(tx: Tx, dialect: DialectSql, id: number): Promise<void> {
  const job = await lockExistingJob(tx, dialect, id);
  if (job.workflow_id !== null) {
    throw new InvalidTransitionError(
      'job',
      id,
      `part of workflow ${job.workflow_id}`,
      'delete',
      `delete the whole workflow: p3s workflow delete ${job.workflow_id}`,
    );
  }
  if (isActiveJobState(job.state))
    throw new InvalidTransitionError('job', id, job.state, 'delete', 'kill it first');
  await deleteJobRows(tx, id);
}

async function refusal(tx: Tx, id: number, operation: string): Promise<Error> {
  const current = await findJob(tx, id);
  return new InvalidTransitionError('job', id, current?.state ?? 'gone', operation);
}
