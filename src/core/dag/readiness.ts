// The execution rules of a workflow as pure functions over vertex states: what starts when a workflow
// starts, what follows from one vertex changing state, and the state of the workflow as a whole.

import {
  ADJUSTABLE_JOB_STATES,
  JOB_STATES,
  type JobState,
  type JobTransition,
  QUEUE_JOB_STATES,
  TERMINAL_JOB_STATES,
  UNSUCCESSFUL_JOB_STATES,
} from '../job-state.ts';
import { childVerticesOf, descendantsOf, parentVerticesOf, topologicalOrder, vertexOf } from './dag-rules.ts';
import { type DagTemplate, isNoop } from './dag-types.ts';

/** Vertex name → state of its job. */
export type VertexStates = ReadonlyMap<string, JobState>;

/** Why advance() changed a vertex (the store records it with the job event). */
export type ChangeReason =
  /** template → defined: every parent finished. */
  | 'parents_finished'
  /** template|defined → finished: a noop vertex whose parents all finished (no pilot involved). */
  | 'noop_completed'
  /** → cancelled: an ancestor failed or was cancelled. */
  | 'ancestor_ended'
  /** cancelled → template: the ancestor that ended it was retried. */
  | 'ancestor_retried';

/** The job transition (see JOB_TRANSITIONS) that carries out a change of each reason. */
export const CHANGE_TRANSITIONS: Readonly<Record<ChangeReason, JobTransition>> = {
  parents_finished: 'release',
  noop_completed: 'complete',
  ancestor_ended: 'cancel',
  ancestor_retried: 'reopen',
};

export interface StateChange {
  vertex: string;
  from: JobState;
  to: JobState;
  reason: ChangeReason;
}

const ENDED = TERMINAL_JOB_STATES;
const BLOCKING = UNSUCCESSFUL_JOB_STATES;
const MOVING = QUEUE_JOB_STATES;

/**
 * States when a workflow starts: every vertex whose parents all finished is released, which at start
 * means every source. A released noop finishes at once and releases its own children, recursively.
 */
export function initialStates(dag: DagTemplate): Map<string, 'defined' | 'finished' | 'template'> {
  const states = new Map<string, 'defined' | 'finished' | 'template'>();
  for (const v of topologicalOrder(dag)) {
    const ready = parentVerticesOf(dag, v).every((p) => states.get(p) === 'finished');
    states.set(v, !ready ? 'template' : isNoop(vertexOf(dag, v)) ? 'finished' : 'defined');
  }
  return states;
}

/**
 * The changes that follow from `changedVertex` having just reached its state in `states`:
 * - finished: each child whose parents have ALL finished becomes defined (a noop child: finished,
 *   and the rule applies again from it);
 * - failed or cancelled: every descendant not yet ended becomes cancelled;
 * - defined (a retry): cancelled descendants none of whose parents is failed or cancelled reopen to
 *   template, so they run once their parents finish; a retried noop whose parents finished completes.
 * The result holds every consequence, in order; feeding a change back in yields nothing new.
 */
export function advance(dag: DagTemplate, states: VertexStates, changedVertex: string): StateChange[] {
  const next = new Map(states);
  const changes: StateChange[] = [];
  const set = (vertex: string, to: JobState, reason: ChangeReason) => {
    const from = stateOf(next, vertex);
    if (from === to) return;
    next.set(vertex, to);
    changes.push({ vertex, from, to, reason });
  };
  const allParentsFinished = (v: string) => parentVerticesOf(dag, v).every((p) => next.get(p) === 'finished');

  const releaseChildren = (start: string) => {
    const finished = [start];
    for (let v = finished.pop(); v !== undefined; v = finished.pop()) {
      for (const child of childVerticesOf(dag, v)) {
        if (next.get(child) !== 'template' || !allParentsFinished(child)) continue;
        if (isNoop(vertexOf(dag, child))) {
          set(child, 'finished', 'noop_completed');
          finished.push(child);
        } else {
          set(child, 'defined', 'parents_finished');
        }
      }
    }
  };

  const state = stateOf(next, changedVertex);
  if (state === 'finished') {
    releaseChildren(changedVertex);
  } else if (state === 'failed' || state === 'cancelled') {
    for (const d of descendantsOf(dag, changedVertex)) {
      if (!ENDED.includes(stateOf(next, d))) set(d, 'cancelled', 'ancestor_ended');
    }
  } else if (state === 'defined') {
    // Topological order: a reopened parent already counts as template when its children are checked.
    for (const d of descendantsOf(dag, changedVertex)) {
      if (next.get(d) !== 'cancelled') continue;
      if (parentVerticesOf(dag, d).some((p) => BLOCKING.includes(stateOf(next, p)))) continue;
      set(d, 'template', 'ancestor_retried');
    }
    if (isNoop(vertexOf(dag, changedVertex)) && allParentsFinished(changedVertex)) {
      set(changedVertex, 'finished', 'noop_completed');
      releaseChildren(changedVertex);
    }
  }
  return changes;
}

/** Applies changes to a copy of the states (a convenience for callers and tests). */
export function applyChanges(states: VertexStates, changes: readonly StateChange[]): Map<string, JobState> {
  const next = new Map(states);
  for (const c of changes) next.set(c.vertex, c.to);
  return next;
}

/** The states of a workflow, in life order (see workflowState). */
export const WORKFLOW_STATES = ['template', 'defined', 'running', 'finished', 'failed', 'cancelled'] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

/** Whether a workflow in each state is waiting, live work (never purged) or ended; a new state fails to compile here. */
export const WORKFLOW_STATE_PHASE = {
  template: 'waiting',
  defined: 'waiting',
  running: 'live',
  finished: 'ended',
  failed: 'ended',
  cancelled: 'ended',
} as const satisfies Record<WorkflowState, 'waiting' | 'live' | 'ended'>;

export const LIVE_WORKFLOW_STATES: readonly WorkflowState[] = WORKFLOW_STATES.filter(
  (state) => WORKFLOW_STATE_PHASE[state] === 'live',
);
export const ENDED_WORKFLOW_STATES: readonly WorkflowState[] = WORKFLOW_STATES.filter(
  (state) => WORKFLOW_STATE_PHASE[state] === 'ended',
);

export function isWorkflowState(value: string): value is WorkflowState {
  return (WORKFLOW_STATES as readonly string[]).includes(value);
}

/**
 * The state of a workflow from the states of its vertices, first rule that applies:
 * 1. finished  — every vertex finished (noops included);
 * 2. template  — every vertex template (not started);
 * 3. running   — some vertex defined/dispatched/running and some non-noop job has been dispatched or ended;
 *    defined   — some vertex defined/dispatched/running but no non-noop job has got further than defined;
 * 4. failed    — nothing can move any more and some job failed;
 * 5. cancelled — nothing can move any more and some job was cancelled (none failed);
 * 6. running   — otherwise (a transient mix, e.g. before advance() was applied).
 * So a workflow with a failed job stays running while its other branches still run.
 */
export function workflowState(dag: DagTemplate, states: VertexStates): WorkflowState {
  const all = dag.vertices.map((v) => stateOf(states, v.name));
  if (all.every((s) => s === 'finished')) return 'finished';
  if (all.every((s) => s === 'template')) return 'template';
  if (all.some((s) => MOVING.includes(s))) {
    const progressed = dag.vertices.some(
      (v, i) => !isNoop(v) && !ADJUSTABLE_JOB_STATES.includes(all[i] as JobState),
    );
    return progressed ? 'running' : 'defined';
  }
  if (all.includes('failed')) return 'failed';
  if (all.includes('cancelled')) return 'cancelled';
  return 'running';
}

/** Number of vertices in each job state, and the total. */
export function countByState(states: VertexStates): Record<JobState, number> & { total: number } {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const s of states.values()) counts[s] += 1;
  return { ...counts, total: states.size };
}

function stateOf(states: VertexStates, vertex: string): JobState {
  const state = states.get(vertex);
  if (state === undefined) throw new Error(`no state given for DAG vertex "${vertex}"`);
  return state;
}
