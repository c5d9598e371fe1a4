// What users do to whole workflows, each in one transaction on the locked workflow row: create
// (with its jobs and files), start, cancel, retry and delete; plus listings with job counts.

import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import {
  advance,
  ENDED_WORKFLOW_STATES,
  type FieldIssue,
  InvalidTransitionError,
  isActiveJobState,
  isTerminalJobState,
  JOB_ERRORS,
  type JobCounts,
  type JobSpec,
  NotFoundError,
  resolveOutcome,
  retryCandidates,
  startChanges,
  ValidationError,
} from '../core/index.ts';
import { insertWorkflowFiles } from './dataset-queries.ts';
import type { DialectSql } from './dialect.ts';
import { findJob, insertJobs, transitionJob } from './job-queries.ts';
import { nextAttempt } from './rows.ts';
import type { Database, JobRow } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import type { Tx } from './transaction.ts';
import {
  applyWorkflowChanges,
  loadWorkflowGraph,
  lockWorkflow,
  requestKill,
  settleWorkflow,
} from './workflow-advance.ts';
import { emptyCounts } from './workflow-rows.ts';
import type { NewWorkflow, WorkflowFilter } from './workflow-store.ts';

/** Creates the workflow, its jobs (template) and files; `released` when it was started and jobs became claimable. */
export async function createWorkflowIn(
  tx: Tx,
  dialect: DialectSql,
  input: NewWorkflow,
  now: number,
): Promise<{ workflow: WorkflowRow; released: boolean }> {
  const dag = await tx.selectFrom('dags').select('id').where('name', '=', input.dag).executeTakeFirst();
  if (!dag) throw new NotFoundError('DAG', input.dag);
  const names = new Set<string>();
  const issues: FieldIssue[] = [];
  input.jobs.forEach(({ vertex, spec }, i) => {
    if (names.has(vertex)) issues.push({ path: `/jobs/${i}`, message: `repeats vertex "${vertex}"` });
    if (spec.name !== vertex)
      issues.push({ path: `/jobs/${i}/name`, message: `must be the vertex name "${vertex}"` });
    names.add(vertex);
  });
  if (issues.length > 0) throw new ValidationError(`${issues[0]?.path}: ${issues[0]?.message}`, issues);
  const workflow = await tx
    .insertInto('workflows')
    .values({
      uuid: randomUUID(),
      name: input.name,
      dag_name: input.dag,
      state: 'template',
      user_name: input.user,
      description: input.description,
      created_at: now,
      started_at: null,
      ended_at: null,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const specs: JobSpec[] = input.jobs.map(({ spec }) => ({ ...spec, state: 'template', site: null }));
  const jobs = await insertJobs(tx, specs, input.user, now, workflow.id);
  const byVertex = new Map(jobs.map((job) => [job.name, job]));
  await insertWorkflowFiles(tx, workflow.id, input.files, byVertex, input.user, now);
  if (input.state === 'template') return { workflow, released: false };
  return startWorkflowIn(tx, dialect, workflow.id, input.user, now);
}

async function lockExistingWorkflow(tx: Tx, dialect: DialectSql, id: number): Promise<WorkflowRow> {
  const workflow = await lockWorkflow(tx, dialect, id);
  if (!workflow) throw new NotFoundError('workflow', id);
  return workflow;
}

/** template → defined: the sources are released, noop sources complete (and release their children). */
export async function startWorkflowIn(
  tx: Tx,
  dialect: DialectSql,
  id: number,
  actor: string,
  now: number,
): Promise<{ workflow: WorkflowRow; released: boolean }> {
  const workflow = await lockExistingWorkflow(tx, dialect, id);
  if (workflow.state !== 'template')
    throw new InvalidTransitionError('workflow', id, workflow.state, 'start');
  const started = await tx
    .updateTable('workflows')
    .set({ state: 'defined', started_at: now, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const graph = await loadWorkflowGraph(tx, started);
  const changes = startChanges(graph.dag);
  await applyWorkflowChanges(tx, dialect, graph, changes, null, now, actor);
  const settled = await settleWorkflow(
    tx,
    graph,
    changes.map((c) => c.vertex),
    now,
  );
  return { workflow: settled, released: changes.some((c) => c.to === 'defined') };
}

/**
 * Cancels every job of the workflow not yet ended: template/defined at once, dispatched/running by a
 * kill request to their pilots (they end cancelled at their next heartbeat).
 */
export async function cancelWorkflowIn(
  tx: Tx,
  dialect: DialectSql,
  id: number,
  actor: string,
  now: number,
): Promise<WorkflowRow> {
  const workflow = await lockExistingWorkflow(tx, dialect, id);
  if (ENDED_WORKFLOW_STATES.includes(workflow.state))
    throw new InvalidTransitionError('workflow', id, workflow.state, 'cancel');
  const graph = await loadWorkflowGraph(tx, workflow);
  const resolved = resolveOutcome({ kind: 'killed' });
  const diag = `workflow ${id} cancelled by ${actor}`;
  const changed: string[] = [];
  for (const [vertex, job] of graph.jobs) {
    if (isTerminalJobState(job.state)) continue;
    let row: JobRow;
    if (isActiveJobState(job.state)) {
      row = await requestKill(tx, job, now);
    } else {
      try {
        row = await transitionJob(tx, dialect, {
          job,
          transition: 'cancel',
          operation: 'cancel',
          actor,
          now,
          detail: diag,
          exact: true,
          set: {
            error_name: resolved.errorName,
            error_code: JOB_ERRORS.killed.code,
            error_diag: diag,
            ended_at: now,
          },
        });
      } catch (error) {
        // A pilot claimed it a moment ago: its pilot kills it instead.
        if (!(error instanceof InvalidTransitionError)) throw error;
        row = await requestKill(tx, (await findJob(tx, job.id)) ?? job, now);
      }
    }
    graph.jobs.set(vertex, row);
    graph.states.set(vertex, row.state);
    changed.push(vertex);
  }
  return settleWorkflow(tx, graph, changed, now);
}

/**
 * Re-queues the failed jobs (and killed ones whose parents finished) as their next attempt, parents
 * first; the jobs they had cancelled reopen (template) and run once their parents finish again.
 */
export async function retryWorkflowIn(
  tx: Tx,
  dialect: DialectSql,
  id: number,
  actor: string,
  now: number,
): Promise<WorkflowRow> {
  const workflow = await lockExistingWorkflow(tx, dialect, id);
  if (workflow.state === 'template' || workflow.state === 'finished') {
    throw new InvalidTransitionError('workflow', id, workflow.state, 'retry');
  }
  const graph = await loadWorkflowGraph(tx, workflow);
  const candidates = retryCandidates(graph.dag, graph.states);
  if (candidates.length === 0) {
    throw new InvalidTransitionError(
      'workflow',
      id,
      workflow.state,
      'retry',
      'it has no failed or cancelled job to retry',
    );
  }
  const changed: string[] = [];
  for (const vertex of candidates) {
    const job = graph.jobs.get(vertex) as JobRow;
    // An earlier candidate's retry may have reopened this one already.
    if (job.state !== 'failed' && job.state !== 'cancelled') continue;
    const row = await transitionJob(tx, dialect, {
      job,
      transition: 'retry',
      operation: 'retry',
      actor,
      now,
      detail: `workflow retry: attempt ${job.attempt + 1}`,
      exact: true,
      set: { ...nextAttempt(job), defined_at: now },
    });
    graph.jobs.set(vertex, row);
    graph.states.set(vertex, row.state);
    const changes = advance(graph.dag, graph.states, vertex);
    await applyWorkflowChanges(tx, dialect, graph, changes, null, now);
    changed.push(vertex, ...changes.map((c) => c.vertex));
  }
  return settleWorkflow(tx, graph, changed, now);
}

/** Deletes a workflow with its jobs (events, attempts, logs) and files; refused while a pilot holds a job. */
export async function deleteWorkflowIn(tx: Tx, dialect: DialectSql, id: number): Promise<void> {
  await lockExistingWorkflow(tx, dialect, id);
  const jobs = await tx
    .selectFrom('jobs')
    .select(['id', 'state'])
    .where('workflow_id', '=', id)
    .orderBy('id')
    .$call((qb) => dialect.lockRows(qb))
    .execute();
  const active = jobs.filter((job) => isActiveJobState(job.state)).map((job) => job.id);
  if (active.length > 0) {
    throw new InvalidTransitionError(
      'workflow',
      id,
      `running job${active.length === 1 ? '' : 's'} ${active.join(', ')}`,
      'delete',
      'cancel it first and wait for its running jobs to end',
    );
  }
  await tx.deleteFrom('datasets').where('workflow_id', '=', id).execute();
  const ofWorkflow = tx.selectFrom('jobs').select('id').where('workflow_id', '=', id);
  for (const table of ['job_logs', 'job_attempts', 'job_events'] as const) {
    await tx.deleteFrom(table).where('job_id', 'in', ofWorkflow).execute();
  }
  await tx.deleteFrom('jobs').where('workflow_id', '=', id).execute();
  await tx.deleteFrom('workflows').where('id', '=', id).execute();
}

export function findWorkflowRow(db: Kysely<Database>, id: number): Promise<WorkflowRow | undefined> {
  return db.selectFrom('workflows').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listWorkflowRows(
  db: Kysely<Database>,
  filter: WorkflowFilter,
  limit: number,
  offset: number,
): Promise<{ rows: WorkflowRow[]; total: number }> {
  if (filter.states?.length === 0) return { rows: [], total: 0 };
  const where = (eb: ExpressionBuilder<Database, 'workflows'>) => {
    const conditions = [];
    if (filter.states !== undefined) conditions.push(eb('state', 'in', filter.states));
    if (filter.dag !== undefined) conditions.push(eb('dag_name', '=', filter.dag));
    if (filter.user !== undefined) conditions.push(eb('user_name', '=', filter.user));
    return eb.and(conditions);
  };
  const rows = await db
    .selectFrom('workflows')
    .selectAll()
    .where(where)
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  const count = await db
    .selectFrom('workflows')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where(where)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.total) };
}

/** Jobs by state for each of the workflows (zeros included). */
export async function jobCountsOf(db: Kysely<Database>, ids: number[]): Promise<Map<number, JobCounts>> {
  const counts = new Map(ids.map((id) => [id, emptyCounts()]));
  if (ids.length === 0) return counts;
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['workflow_id', 'state', eb.fn.countAll<number>().as('n')])
    .where('workflow_id', 'in', ids)
    .groupBy(['workflow_id', 'state'])
    .execute();
  for (const { workflow_id: id, state, n } of rows) {
    const c = id === null ? undefined : counts.get(id);
    if (!c) continue;
    c[state] = Number(n);
    c.total += Number(n);
  }
  return counts;
}
