// Job row queries shared by both dialects: insert, read, row lock, the compare-and-set
// state change (with its event and attempt record), detail reads and deletion.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  InvalidTransitionError,
  type JobSpec,
  type JobTransition,
  jobStatesAllowing,
  LeaseLostError,
  NotFoundError,
  nextJobState,
  TERMINAL_JOB_STATES,
} from '../core/index.ts';
import { attemptOf } from './rows.ts';
import type { Database, JobRow, JobUpdate, NewJobEvent, NewJobRow } from './schema.ts';
import type { Dialect } from './store.ts';
import type { Tx } from './transaction.ts';

/** Rows per INSERT: keeps every statement under both dialects' bound-parameter limits. */
const INSERT_CHUNK = 500;

/** Inserts the jobs (of a workflow, when given) and their submit events; returns the rows in input order. */
export async function insertJobs(
  tx: Tx,
  specs: JobSpec[],
  user: string,
  now: number,
  workflowId: number | null = null,
): Promise<JobRow[]> {
  const rows: NewJobRow[] = specs.map((spec) => ({
    uuid: randomUUID(),
    name: spec.name,
    user_name: user,
    jobtype: spec.jobtype,
    payload: spec.payload,
    env: JSON.stringify(spec.env),
    priority: spec.priority,
    timelimit: spec.timelimit,
    site: spec.site,
    state: spec.state,
    workflow_id: workflowId,
    created_at: now,
    defined_at: spec.state === 'defined' ? now : null,
    updated_at: now,
  }));
  const byUuid = new Map<string, JobRow>();
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const inserted = await tx
      .insertInto('jobs')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .returningAll()
      .execute();
    for (const row of inserted) byUuid.set(row.uuid, row);
    const events = inserted.map(
      (row): NewJobEvent => ({
        job_id: row.id,
        attempt: row.attempt,
        at: now,
        from_state: null,
        to_state: row.state,
        transition: 'submit',
        actor: user,
        detail: null,
      }),
    );
    if (events.length > 0) await tx.insertInto('job_events').values(events).execute();
  }
  return rows.map((row) => byUuid.get(row.uuid) as JobRow);
}

export function findJob(db: Kysely<Database>, id: number): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reads a job for a change in this transaction, locking its row on PostgreSQL (SQLite holds the db lock). */
export function lockJob(tx: Tx, dialect: Dialect, id: number): Promise<JobRow | undefined> {
  return tx
    .selectFrom('jobs')
    .selectAll()
    .where('id', '=', id)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();
}

export async function lockExistingJob(tx: Tx, dialect: Dialect, id: number): Promise<JobRow> {
  const row = await lockJob(tx, dialect, id);
  if (!row) throw new NotFoundError('job', id);
  return row;
}

export interface TransitionInput {
  /** The job as read in this transaction. */
  job: JobRow;
  transition: JobTransition;
  /** Verb for the error message when the transition is refused ("kill", "retry", …). */
  operation: string;
  actor: string;
  now: number;
  detail?: string | null;
  /** Other columns to set with the new state. */
  set?: JobUpdate;
  /** For pilot reports: the pilot and attempt that must still hold the job. */
  holder?: { pilotId: number; attempt: number };
  /** Compare on exactly `job.state` (for a row read without a lock) rather than every allowed state. */
  exact?: boolean;
}

/**
 * Moves a job along one edge of the state machine: a compare-and-set on the states the
 * transition allows (and on the holder), one job_events row, and a job_attempts row when the
 * attempt ends. Throws InvalidTransitionError (or LeaseLostError for a holder) when refused.
 */
export async function transitionJob(tx: Tx, input: TransitionInput): Promise<JobRow> {
  const { job, transition, holder } = input;
  const to = nextJobState(job.state, transition);
  if (to === undefined) throw refusal(job, input);
  let update = tx
    .updateTable('jobs')
    .set({ ...input.set, state: to, updated_at: input.now })
    .where('id', '=', job.id)
    .where('state', 'in', input.exact ? [job.state] : jobStatesAllowing(transition));
  if (holder) update = update.where('pilot_id', '=', holder.pilotId).where('attempt', '=', holder.attempt);
  const updated = await update.returningAll().executeTakeFirst();
  if (!updated) {
    const current = await findJob(tx, job.id);
    if (!current)
      throw holder ? new LeaseLostError(job.id, 'the job was deleted') : new NotFoundError('job', job.id);
    throw refusal(current, input);
  }
  await insertJobEvent(tx, {
    job_id: job.id,
    attempt: updated.attempt,
    at: input.now,
    from_state: job.state,
    to_state: to,
    transition,
    actor: input.actor,
    detail: input.detail ?? null,
  });
  if (TERMINAL_JOB_STATES.includes(to))
    await tx.insertInto('job_attempts').values(attemptOf(updated)).execute();
  return updated;
}

export async function insertJobEvent(tx: Tx, event: NewJobEvent): Promise<void> {
  await tx.insertInto('job_events').values(event).execute();
}

function refusal(job: JobRow, input: TransitionInput): Error {
  if (input.holder) return new LeaseLostError(job.id, `it is ${job.state}`);
  return new InvalidTransitionError('job', job.id, job.state, input.operation);
}

export async function jobEvents(db: Kysely<Database>, jobId: number) {
  return db.selectFrom('job_events').selectAll().where('job_id', '=', jobId).orderBy('id').execute();
}

export async function jobAttempts(db: Kysely<Database>, jobId: number) {
  return db.selectFrom('job_attempts').selectAll().where('job_id', '=', jobId).orderBy('attempt').execute();
}

/** Removes a job with everything recorded about it. */
export async function deleteJobRows(tx: Tx, jobId: number): Promise<void> {
  await tx.deleteFrom('job_logs').where('job_id', '=', jobId).execute();
  await tx.deleteFrom('job_attempts').where('job_id', '=', jobId).execute();
  await tx.deleteFrom('job_events').where('job_id', '=', jobId).execute();
  await tx.deleteFrom('jobs').where('id', '=', jobId).execute();
}
