// Job row queries shared by both dialects: insert, read, row lock, the compare-and-set
// state change (with its event and attempt record), detail reads and deletion.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  InvalidTransitionError,
  type JobSpec,
  type JobState,
  type JobTransition,
  jobStatesAllowing,
  LeaseLostError,
  NotFoundError,
  nextJobState,
  TERMINAL_JOB_STATES,
} from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { type Arg, precompiled, precompiledShapes } from './precompiled.ts';
import { attemptOf } from './rows.ts';
import type { Database, JobAttemptsTable, JobRow, JobUpdate, NewJobEvent, NewJobRow } from './schema.ts';
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
    memory_mib: spec.memory ?? null,
    cores: spec.cores ?? null,
    disk_mib: spec.disk ?? null,
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

const jobById = precompiled((db, arg: Arg<{ id: number }>) =>
  db.selectFrom('jobs').selectAll().where('id', '=', arg('id')),
);
const jobByIdForUpdate = precompiled((db, arg: Arg<{ id: number }>) =>
  db.selectFrom('jobs').selectAll().where('id', '=', arg('id')).forUpdate(),
);

export function findJob(db: Kysely<Database>, id: number): Promise<JobRow | undefined> {
  return jobById.first(db, { id });
}

/** The jobs with these ids, in the order of `ids` (ids that do not exist are left out). */
export async function findJobsByIds(db: Kysely<Database>, ids: readonly number[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Reads a job for a change in this transaction, locking its row on PostgreSQL (SQLite holds the db lock). */
export function lockJob(tx: Tx, dialect: DialectSql, id: number): Promise<JobRow | undefined> {
  return dialect.locked(jobById, jobByIdForUpdate).first(tx, { id });
}

export async function lockExistingJob(tx: Tx, dialect: DialectSql, id: number): Promise<JobRow> {
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

interface TransitionShape {
  /** The columns set, the state and updated_at among them. */
  columns: string[];
  /** The states the compare-and-set accepts. */
  states: readonly JobState[];
  holder: boolean;
}

/** The compare-and-set of transitionJob, compiled once per shape: building it was a tenth of a finish's CPU. */
const transitionUpdate = precompiledShapes(
  (shape: TransitionShape) => `${shape.columns.join()}|${shape.states.join()}|${shape.holder}`,
  (db, arg: Arg<Record<string, unknown>>, shape) => {
    const set = Object.fromEntries(shape.columns.map((column) => [column, arg(`set:${column}`)]));
    let update = db
      .updateTable('jobs')
      .set(set as JobUpdate)
      .where('id', '=', arg('id') as number)
      .where('state', 'in', shape.states);
    if (shape.holder) {
      update = update
        .where('pilot_id', '=', arg('holderPilot') as number)
        .where('attempt', '=', arg('holderAttempt') as number);
    }
    return update.returningAll();
  },
);

/**
 * Moves a job along one edge of the state machine: a compare-and-set on the states the
 * transition allows (and on the holder), one job_events row, and a job_attempts row when the
 * attempt ends. Throws InvalidTransitionError (or LeaseLostError for a holder) when refused.
 */
export async function transitionJob(tx: Tx, dialect: DialectSql, input: TransitionInput): Promise<JobRow> {
  const { job, transition, holder } = input;
  const to = nextJobState(job.state, transition);
  if (to === undefined) throw refusal(job, input);
  const values: Record<string, unknown> = { ...input.set, state: to, updated_at: input.now };
  const columns = Object.keys(values).filter((column) => values[column] !== undefined);
  const states = input.exact ? [job.state] : jobStatesAllowing(transition);
  const args: Record<string, unknown> = {
    id: job.id,
    holderPilot: holder?.pilotId,
    holderAttempt: holder?.attempt,
  };
  for (const column of columns) args[`set:${column}`] = values[column];
  const update = transitionUpdate.compile(tx, { columns, states, holder: holder !== undefined }, args);
  const event = {
    at: input.now,
    from_state: job.state,
    to_state: to,
    transition,
    actor: input.actor,
    detail: input.detail ?? null,
  };
  const ends = TERMINAL_JOB_STATES.includes(to);
  const updated = await dialect.changeWithRecords(tx, update, event, ends);
  if (!updated) {
    const current = await findJob(tx, job.id);
    if (!current)
      throw holder ? new LeaseLostError(job.id, 'the job was deleted') : new NotFoundError('job', job.id);
    throw refusal(current, input);
  }
  return updated;
}

/** The attempt record of a job whose attempt just ended. */
export async function insertAttemptRow(tx: Tx, job: JobRow): Promise<void> {
  await insertAttempt.rows(tx, attemptOf(job));
}

const insertAttempt = precompiled((db, arg: Arg<JobAttemptsTable>) =>
  db.insertInto('job_attempts').values({
    job_id: arg('job_id'),
    attempt: arg('attempt'),
    state: arg('state'),
    pilot_id: arg('pilot_id'),
    host: arg('host'),
    site: arg('site'),
    exit_code: arg('exit_code'),
    signal: arg('signal'),
    error_name: arg('error_name'),
    error_code: arg('error_code'),
    error_diag: arg('error_diag'),
    cpu_seconds: arg('cpu_seconds'),
    max_rss_kb: arg('max_rss_kb'),
    dispatched_at: arg('dispatched_at'),
    started_at: arg('started_at'),
    ended_at: arg('ended_at'),
  }),
);

type EventArgs = Required<Omit<NewJobEvent, 'id'>>;
const insertEvent = precompiled((db, arg: Arg<EventArgs>) =>
  db.insertInto('job_events').values({
    job_id: arg('job_id'),
    attempt: arg('attempt'),
    at: arg('at'),
    from_state: arg('from_state'),
    to_state: arg('to_state'),
    transition: arg('transition'),
    actor: arg('actor'),
    detail: arg('detail'),
  }),
);

export async function insertJobEvent(tx: Tx, event: Omit<NewJobEvent, 'id'>): Promise<void> {
  await insertEvent.rows(tx, {
    ...event,
    from_state: event.from_state ?? null,
    detail: event.detail ?? null,
  });
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
  await tx.deleteFrom('job_samples').where('job_id', '=', jobId).execute();
  await tx.deleteFrom('job_attempts').where('job_id', '=', jobId).execute();
  await tx.deleteFrom('job_events').where('job_id', '=', jobId).execute();
  await tx.deleteFrom('jobs').where('id', '=', jobId).execute();
}
