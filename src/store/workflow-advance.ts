// Advancing workflows inside the store's transactions: the workflow row lock that serialises every
// change to one workflow's jobs, its graph rebuilt from its jobs and files, and the core rules applied
// as compare-and-set job transitions, each with a job event by the actor `workflow`.

import {
  ACTIVE_JOB_STATES,
  advance,
  CHANGE_TRANSITIONS,
  type DagTemplate,
  ENDED_WORKFLOW_STATES,
  fileStateFor,
  InvalidTransitionError,
  isActiveJobState,
  JOB_ERRORS,
  type JobState,
  type StateChange,
  type VertexStates,
  workflowState,
} from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { findJob, transitionJob } from './job-queries.ts';
import { type Arg, precompiled } from './precompiled.ts';
import { nextAttempt } from './rows.ts';
import type { JobRow, JobUpdate } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import type { Tx } from './transaction.ts';

export const WORKFLOW_ACTOR = 'workflow';

/** A workflow as the rules see it, read in the current transaction. */
export interface WorkflowGraph {
  workflow: WorkflowRow;
  dag: DagTemplate;
  /** Job rows by vertex name (a workflow job is named after its vertex). */
  jobs: Map<string, JobRow>;
  states: Map<string, JobState>;
}

/** The workflow a job belongs to, or null (standalone job, or no such job). */
const workflowOfJob = precompiled((db, arg: Arg<{ id: number }>) =>
  db.selectFrom('jobs').select('workflow_id').where('id', '=', arg('id')),
);

export async function workflowIdOfJob(tx: Tx, jobId: number): Promise<number | null> {
  const row = await workflowOfJob.first(tx, { id: jobId });
  return row?.workflow_id ?? null;
}

/**
 * Reads a workflow for a change, locking its row on PostgreSQL (SQLite holds the database lock). Every
 * writer of a workflow's job states takes this lock first, so two jobs ending at once cannot both miss
 * that the other finished. With skipLocked, a row another transaction holds gives undefined.
 */
export function lockWorkflow(
  tx: Tx,
  dialect: DialectSql,
  id: number,
  options: { skipLocked?: boolean } = {},
): Promise<WorkflowRow | undefined> {
  return tx
    .selectFrom('workflows')
    .selectAll()
    .where('id', '=', id)
    .$call((qb) => dialect.lockRows(qb, options))
    .executeTakeFirst();
}

/** The workflow of a job, locked; undefined for a standalone job. */
export async function lockWorkflowOfJob(
  tx: Tx,
  dialect: DialectSql,
  jobId: number,
): Promise<WorkflowRow | undefined> {
  const id = await workflowIdOfJob(tx, jobId);
  return id === null ? undefined : lockWorkflow(tx, dialect, id);
}

/** The DAG of a workflow rebuilt from its jobs (vertices, in creation order) and files (edges). */
export async function loadWorkflowGraph(tx: Tx, workflow: WorkflowRow): Promise<WorkflowGraph> {
  const rows = await tx
    .selectFrom('jobs')
    .selectAll()
    .where('workflow_id', '=', workflow.id)
    .orderBy('id')
    .execute();
  const files = await tx
    .selectFrom('datasets')
    .select(['edge_index', 'source_vertex', 'target_vertex'])
    .where('workflow_id', '=', workflow.id)
    .orderBy('edge_index')
    .execute();
  const dag: DagTemplate = {
    vertices: rows.map((job) => ({
      name: job.name,
      payload: '',
      env: {},
      jobtype: job.jobtype,
      timelimit: 0,
      priority: 0,
    })),
    edges: files.map((file) => ({
      index: file.edge_index ?? 0,
      source: file.source_vertex ?? '',
      target: file.target_vertex ?? '',
      name: '',
      dirpath: '',
      datatype: '',
      datatag: '',
      comment: '',
    })),
  };
  return {
    workflow,
    dag,
    jobs: new Map(rows.map((job) => [job.name, job])),
    states: new Map(rows.map((job) => [job.name, job.state])),
  };
}

/** What caused a round of changes, for the diagnostics of jobs cancelled by it. */
export interface ChangeCause {
  vertex: string;
  state: JobState;
}

/**
 * Applies changes in order, each as a compare-and-set on the state the rules saw, recorded with the
 * reason as detail (actor `workflow`, or the user who started the workflow). A job a pilot claimed
 * meanwhile (defined → dispatched) is not cancelled under it: its kill is requested instead.
 */
export async function applyWorkflowChanges(
  tx: Tx,
  dialect: DialectSql,
  graph: WorkflowGraph,
  changes: readonly StateChange[],
  cause: ChangeCause | null,
  now: number,
  actor = WORKFLOW_ACTOR,
): Promise<void> {
  for (const change of changes) {
    const job = graph.jobs.get(change.vertex);
    if (!job) throw new Error(`workflow ${graph.workflow.id} has no job for vertex ${change.vertex}`);
    const updated = await applyOne(tx, dialect, graph.workflow, job, change, cause, now, actor);
    graph.jobs.set(change.vertex, updated);
    graph.states.set(change.vertex, updated.state);
  }
}

async function applyOne(
  tx: Tx,
  dialect: DialectSql,
  workflow: WorkflowRow,
  job: JobRow,
  change: StateChange,
  cause: ChangeCause | null,
  now: number,
  actor: string,
): Promise<JobRow> {
  let set: JobUpdate = {};
  if (change.reason === 'parents_finished') set = { defined_at: now };
  else if (change.reason === 'noop_completed') set = { ended_at: now };
  else if (change.reason === 'ancestor_retried') set = nextAttempt(job);
  else if (change.reason === 'ancestor_ended') {
    const diag = cause
      ? `workflow ${workflow.id}: ancestor ${cause.vertex} ${cause.state}`
      : `workflow ${workflow.id}: an ancestor ended`;
    set = {
      error_name: 'ancestor_ended',
      error_code: JOB_ERRORS.ancestor_ended.code,
      error_diag: diag,
      ended_at: now,
    };
  }
  const input = {
    job,
    transition: CHANGE_TRANSITIONS[change.reason],
    operation: change.reason,
    actor,
    now,
    detail: change.reason,
    set,
    exact: true,
  };
  if (change.to !== 'cancelled') return transitionJob(tx, dialect, input);
  try {
    return await transitionJob(tx, dialect, input);
  } catch (error) {
    const current = await findJob(tx, job.id);
    if (!(error instanceof InvalidTransitionError) || !current || !isActiveJobState(current.state))
      throw error;
    return requestKill(tx, current, now);
  }
}

/** Asks the pilot holding an active job to kill it; it then ends cancelled by the pilot's report. */
export async function requestKill(tx: Tx, job: JobRow, now: number): Promise<JobRow> {
  const row = await tx
    .updateTable('jobs')
    .set({ kill_requested: 1, updated_at: now })
    .where('id', '=', job.id)
    .where('state', 'in', ACTIVE_JOB_STATES)
    .returningAll()
    .executeTakeFirst();
  return row ?? job;
}

/**
 * After a round of changes: the files produced by the changed jobs take their state from them, and
 * the workflow's state is recomputed from every job.
 */
export async function settleWorkflow(
  tx: Tx,
  graph: WorkflowGraph,
  changedVertices: Iterable<string>,
  now: number,
): Promise<WorkflowRow> {
  for (const vertex of new Set(changedVertices)) {
    const job = graph.jobs.get(vertex);
    if (!job) continue;
    const state = fileStateFor(job.state);
    await tx
      .updateTable('datasets')
      .set({ state, updated_at: now })
      .where('source_job_id', '=', job.id)
      .where('state', '<>', state)
      .execute();
  }
  const { workflow } = graph;
  const state = workflowState(graph.dag, queuedView(graph));
  const ended = ENDED_WORKFLOW_STATES.includes(state);
  const updated = await tx
    .updateTable('workflows')
    .set({ state, ended_at: ended ? (workflow.ended_at ?? now) : null, updated_at: now })
    .where('id', '=', workflow.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  graph.workflow = updated;
  return updated;
}

/**
 * The job states as the workflow's own state reads them: a retry its rule deferred (parked in
 * template until its release time) is queued, not waiting for parents nor a workflow not started.
 */
function queuedView(graph: WorkflowGraph): VertexStates {
  const deferred = (vertex: string) => graph.jobs.get(vertex)?.release_at != null;
  return new Map(
    [...graph.states].map(([vertex, state]): [string, JobState] => [
      vertex,
      state === 'template' && deferred(vertex) ? 'defined' : state,
    ]),
  );
}

/**
 * Everything that follows in a workflow from one of its jobs having changed state in this transaction
 * (ended, retried, cancelled): the rules' changes, file states and the workflow state. `released` says
 * whether jobs became claimable, for the caller to signal after the commit.
 */
export async function advanceWorkflowIn(
  tx: Tx,
  dialect: DialectSql,
  workflow: WorkflowRow,
  changedJob: JobRow,
  now: number,
): Promise<{ released: boolean; workflow: WorkflowRow }> {
  const graph = await loadWorkflowGraph(tx, workflow);
  const vertex = changedJob.name;
  const changes = advance(graph.dag, graph.states, vertex);
  await applyWorkflowChanges(tx, dialect, graph, changes, { vertex, state: changedJob.state }, now);
  const settled = await settleWorkflow(tx, graph, [vertex, ...changes.map((c) => c.vertex)], now);
  return { released: changes.some((c) => c.to === 'defined'), workflow: settled };
}

/**
 * For a background pass over job rows it already locked: the job's workflow row, taken only if free
 * (never wait on a workflow row while holding job rows: a busy workflow's jobs wait for the next
 * pass). Undefined outside any workflow; null when the job must be skipped. `held` keeps the rows
 * taken in this pass (callers store the row an advance leaves).
 */
export async function workflowForPass(
  tx: Tx,
  dialect: DialectSql,
  job: JobRow,
  held: Map<number, WorkflowRow | undefined>,
): Promise<WorkflowRow | undefined | null> {
  if (job.workflow_id === null) return undefined;
  if (!held.has(job.workflow_id))
    held.set(job.workflow_id, await lockWorkflow(tx, dialect, job.workflow_id, { skipLocked: true }));
  return held.get(job.workflow_id) ?? null;
}

/**
 * A claim made a workflow's job dispatched: the workflow is running. On PostgreSQL the row is taken only
 * if free (a claim never waits on a workflow); a busy workflow is being settled from fresh states anyway.
 */
export async function markWorkflowRunning(
  tx: Tx,
  dialect: DialectSql,
  workflowId: number,
  now: number,
): Promise<void> {
  const free = await lockWorkflow(tx, dialect, workflowId, { skipLocked: true });
  if (free?.state !== 'defined') return;
  await tx
    .updateTable('workflows')
    .set({ state: 'running', updated_at: now })
    .where('id', '=', workflowId)
    .where('state', '=', 'defined')
    .execute();
}
