// Reconciling the workers table with what the batch system reports (squeue --json, condor_q -json):
// which workers changed state, and which batch jobs to remove (kill requests, pilots that never
// registered). Pure; the factory applies the result through the API.

import { canWorkerMove, isActiveWorkerState, type WorkerFailure, type WorkerState } from './worker-state.ts';
import type { Worker, WorkerChange } from './worker-types.ts';

/** One batch job as the batch system reports it, mapped to worker terms by its adapter. */
export interface BatchObservation {
  batchId: string;
  state: WorkerState;
  exitCode: number | null;
  /** The batch system's words: held reason, pending reason, removal reason. */
  reason: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface ReconcileInput {
  now: number;
  /** Active workers of the site (submitted, held, running). */
  workers: Worker[];
  /** What the batch system reports, by batch id; only from a query that succeeded. */
  observed: ReadonlyMap<string, BatchObservation>;
  /** A running worker whose pilot has not registered after this long is removed (`never_registered`). */
  startTimeoutMs: number;
  /** A worker missing from the report this soon after submission is not yet lost (the report may lag). */
  graceMs: number;
}

export interface Removal {
  worker: Worker;
  /** Why, for the factory's log. */
  why: string;
}

export interface ReconcileResult {
  changes: WorkerChange[];
  /** Batch jobs to remove (scancel, condor_rm); removing one twice is harmless. */
  remove: Removal[];
}

export function reconcileWorkers(input: ReconcileInput): ReconcileResult {
  const changes: WorkerChange[] = [];
  const remove: Removal[] = [];
  for (const worker of input.workers) {
    const seen = worker.batchId === null ? undefined : input.observed.get(worker.batchId);
    const change = seen ? changeFor(worker, seen, input.now) : missingChange(worker, input);
    if (change) changes.push(change);
    if (change !== undefined && !isActiveWorkerState(change.to)) continue;
    if (worker.killRequested) {
      remove.push({ worker, why: `kill requested by ${worker.killRequested.by}` });
      continue;
    }
    const state = change?.to ?? worker.state;
    const startedAt = worker.startedAt ?? (change?.to === 'running' ? (seen?.startedAt ?? input.now) : null);
    if (state === 'running' && worker.pilot === null && startedAt !== null) {
      const waited = input.now - startedAt;
      if (waited > input.startTimeoutMs) {
        const seconds = Math.round(input.startTimeoutMs / 1000);
        remove.push({ worker, why: `no pilot registered ${seconds} s after the batch job started` });
        changes.push({
          id: worker.id,
          from: state,
          to: 'failed',
          at: input.now,
          failure: 'never_registered',
          reason: `no pilot registered within ${seconds} s of the batch job's start; removed`,
        });
      }
    }
  }
  return { changes: mergeChanges(changes), remove };
}

/** The change a batch report implies, or undefined when the worker is already there. */
function changeFor(worker: Worker, seen: BatchObservation, now: number): WorkerChange | undefined {
  if (seen.state === worker.state || !canWorkerMove(worker.state, seen.state)) return undefined;
  const base = { id: worker.id, from: worker.state, at: now, exitCode: seen.exitCode, reason: seen.reason };
  const registered = worker.pilot !== null;
  switch (seen.state) {
    case 'finished':
      return registered
        ? { ...base, to: 'finished', at: seen.endedAt ?? now }
        : {
            ...base,
            to: 'failed',
            at: seen.endedAt ?? now,
            failure: 'never_registered',
            reason: seen.reason ?? 'the batch job ended without its pilot registering',
          };
    case 'failed':
      return {
        ...base,
        to: 'failed',
        at: seen.endedAt ?? now,
        failure: (registered ? 'exit_code' : 'never_registered') satisfies WorkerFailure,
      };
    case 'cancelled':
      return {
        ...base,
        to: 'cancelled',
        at: seen.endedAt ?? now,
        cancelledBy: worker.killRequested?.by ?? 'batch system',
      };
    case 'running':
      return { ...base, to: 'running', at: seen.startedAt ?? now };
    default:
      return { ...base, to: seen.state };
  }
}

/** A worker the batch system no longer reports: finished if its pilot had deregistered, else lost. */
function missingChange(worker: Worker, input: ReconcileInput): WorkerChange | undefined {
  if (input.now - worker.submittedAt < input.graceMs) return undefined;
  const base = { id: worker.id, from: worker.state, at: input.now };
  if (worker.pilot?.state === 'stopped')
    return { ...base, to: 'finished', reason: 'left the batch queue after its pilot deregistered' };
  if (worker.killRequested)
    return { ...base, to: 'cancelled', cancelledBy: worker.killRequested.by, reason: 'removed' };
  return {
    ...base,
    to: 'lost',
    failure: worker.pilot === null ? 'never_registered' : 'disappeared',
    reason: 'no longer known to the batch system',
  };
}

/** One change per worker: a start timeout after a move to running is one move to failed. */
function mergeChanges(changes: WorkerChange[]): WorkerChange[] {
  const byId = new Map<number, WorkerChange>();
  for (const change of changes) {
    const earlier = byId.get(change.id);
    byId.set(change.id, earlier ? { ...earlier, ...change, from: earlier.from } : change);
  }
  return [...byId.values()];
}
