// Workflow-level decisions built on the readiness rules: the changes that start a workflow, which
// jobs a workflow retry re-queues, and the state of a workflow's files from their producing job.

import type { JobState } from '../job-state.ts';
import { parentVerticesOf, topologicalOrder } from './dag-rules.ts';
import type { DagTemplate } from './dag-types.ts';
import { initialStates, type StateChange, type VertexStates } from './readiness.ts';

/** initialStates as changes from an all-template workflow, parents first (for the store to apply one by one). */
export function startChanges(dag: DagTemplate): StateChange[] {
  const changes: StateChange[] = [];
  for (const [vertex, to] of initialStates(dag)) {
    if (to === 'template') continue;
    const reason = to === 'finished' ? 'noop_completed' : 'parents_finished';
    changes.push({ vertex, from: 'template', to, reason });
  }
  return changes;
}

/**
 * What a workflow retry re-queues, parents first: every failed job, and every cancelled job whose
 * parents all finished (it was killed itself, not cancelled because an ancestor ended). Retrying these
 * reopens everything that was cancelled below them (see advance).
 */
export function retryCandidates(dag: DagTemplate, states: VertexStates): string[] {
  return topologicalOrder(dag).filter((v) => {
    const state = states.get(v);
    if (state === 'failed') return true;
    return state === 'cancelled' && parentVerticesOf(dag, v).every((p) => states.get(p) === 'finished');
  });
}

/** Whether a job may be re-queued on its own: only when all its parents finished (else it would run too early). */
export function canRetryAlone(dag: DagTemplate, states: VertexStates, vertex: string): boolean {
  return parentVerticesOf(dag, vertex).every((p) => states.get(p) === 'finished');
}

export type WorkflowFileState = 'template' | 'ready' | 'failed';

/** A workflow file is `ready` once its producing job finished, `failed` when that job failed or was cancelled. */
export function fileStateFor(producer: JobState): WorkflowFileState {
  if (producer === 'finished') return 'ready';
  if (producer === 'failed' || producer === 'cancelled') return 'failed';
  return 'template';
}

/** `dirpath/name` with exactly one `/` between them; an empty dirpath gives the name alone. */
export function joinFilePath(dirpath: string, name: string): string {
  if (dirpath === '') return name;
  return `${dirpath.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`;
}
