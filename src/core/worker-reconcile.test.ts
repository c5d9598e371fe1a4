import { describe, expect, it } from 'vitest';
import { type BatchObservation, reconcileWorkers } from './worker-reconcile.ts';
import type { Worker, WorkerPilot } from './worker-types.ts';

const NOW = 5_000_000;
const worker = (over: Partial<Worker> = {}): Worker => ({
  id: 1,
  site: 'hpc',
  batchSystem: 'slurm',
  batchId: 'slurm:11',
  state: 'submitted',
  pilot: null,
  submittedAt: NOW - 60_000,
  startedAt: null,
  endedAt: null,
  updatedAt: NOW - 60_000,
  exitCode: null,
  reason: null,
  failure: null,
  killRequested: null,
  cancelledBy: null,
  logPath: null,
  factory: null,
  ...over,
});
const pilot = (over: Partial<WorkerPilot> = {}): WorkerPilot => ({
  id: 7,
  uuid: '00000000-0000-4000-8000-000000000007',
  state: 'running',
  currentJobId: 3,
  jobsRun: 1,
  registeredAt: NOW - 30_000,
  ...over,
});
const seen = (state: BatchObservation['state'], over: Partial<BatchObservation> = {}): BatchObservation => ({
  batchId: 'slurm:11',
  state,
  exitCode: null,
  reason: null,
  startedAt: null,
  endedAt: null,
  ...over,
});
const run = (w: Worker, observed: BatchObservation | undefined, over: { now?: number } = {}) =>
  reconcileWorkers({
    now: over.now ?? NOW,
    workers: [w],
    observed: new Map(observed ? [[observed.batchId, observed]] : []),
    startTimeoutMs: 120_000,
    graceMs: 30_000,
  });

describe('reconcileWorkers: batch reports become worker changes', () => {
  it.each<[string, Worker, BatchObservation | undefined, Record<string, unknown> | null]>([
    ['pending stays submitted', worker(), seen('submitted', { reason: 'Resources' }), null],
    [
      'starts running',
      worker(),
      seen('running', { startedAt: NOW - 5000 }),
      { from: 'submitted', to: 'running', at: NOW - 5000 },
    ],
    [
      'held, with the reason',
      worker(),
      seen('held', { reason: 'JobHeldUser' }),
      { to: 'held', reason: 'JobHeldUser' },
    ],
    ['released', worker({ state: 'held' }), seen('submitted'), { from: 'held', to: 'submitted' }],
    [
      'ends 0 after its pilot registered: finished',
      worker({ state: 'running', pilot: pilot({ state: 'stopped' }), startedAt: NOW - 50_000 }),
      seen('finished', { exitCode: 0, endedAt: NOW - 1000 }),
      { to: 'finished', exitCode: 0, at: NOW - 1000 },
    ],
    [
      'ends 0 without a pilot: failed, never registered',
      worker({ state: 'running', startedAt: NOW - 50_000 }),
      seen('finished', { exitCode: 0 }),
      { to: 'failed', failure: 'never_registered' },
    ],
    [
      'ends 127 without a pilot: failed, never registered, with the status',
      worker({ state: 'running', startedAt: NOW - 5000 }),
      seen('failed', { exitCode: 127, reason: 'NonZeroExitCode' }),
      { to: 'failed', failure: 'never_registered', exitCode: 127, reason: 'NonZeroExitCode' },
    ],
    [
      'ends non-zero after registering: failed, exit code',
      worker({ state: 'running', pilot: pilot(), startedAt: NOW - 5000 }),
      seen('failed', { exitCode: 3 }),
      { to: 'failed', failure: 'exit_code', exitCode: 3 },
    ],
    [
      'scancel by someone outside p3s',
      worker({ state: 'running', pilot: pilot(), startedAt: NOW - 5000 }),
      seen('cancelled'),
      { to: 'cancelled', cancelledBy: 'batch system' },
    ],
    [
      'p3s workers kill',
      worker({
        state: 'running',
        pilot: pilot(),
        startedAt: NOW - 5000,
        killRequested: { at: NOW - 2000, by: 'alice' },
      }),
      seen('cancelled'),
      { to: 'cancelled', cancelledBy: 'alice' },
    ],
    ['missing right after submission: wait', worker({ submittedAt: NOW - 1000 }), undefined, null],
    [
      'missing, never registered: lost',
      worker(),
      undefined,
      { to: 'lost', failure: 'never_registered', reason: 'no longer known to the batch system' },
    ],
    [
      'missing after registering: lost, disappeared',
      worker({ state: 'running', pilot: pilot(), startedAt: NOW - 5000 }),
      undefined,
      { to: 'lost', failure: 'disappeared' },
    ],
    [
      'missing after its pilot deregistered: finished',
      worker({ state: 'running', pilot: pilot({ state: 'stopped' }), startedAt: NOW - 5000 }),
      undefined,
      { to: 'finished' },
    ],
    [
      'a report the table forbids is ignored (running → held → running is fine, finished → running is not)',
      worker({ state: 'held' }),
      seen('finished', { exitCode: 0 }),
      null,
    ],
  ])('%s', (_name, w, observed, expected) => {
    const { changes } = run(w, observed);
    if (expected === null) expect(changes).toEqual([]);
    else expect(changes).toEqual([expect.objectContaining({ id: 1, ...expected })]);
  });
});

describe('reconcileWorkers: removals', () => {
  it('removes a worker whose kill was requested until the batch system says it is gone', () => {
    const w = worker({
      state: 'running',
      startedAt: NOW - 5000,
      pilot: pilot(),
      killRequested: { at: NOW, by: 'alice' },
    });
    expect(run(w, seen('running')).remove).toEqual([{ worker: w, why: 'kill requested by alice' }]);
    expect(run(w, seen('cancelled')).remove).toEqual([]);
  });

  it('removes a running worker whose pilot did not register in time, and fails it at once', () => {
    const w = worker({ state: 'running', startedAt: NOW - 121_000 });
    const { changes, remove } = run(w, seen('running'));
    expect(remove.map((r) => r.why)).toEqual(['no pilot registered 120 s after the batch job started']);
    expect(changes).toEqual([
      expect.objectContaining({ from: 'running', to: 'failed', failure: 'never_registered' }),
    ]);
  });

  it('gives a pilot the whole start timeout, counted from the batch start', () => {
    expect(run(worker({ state: 'running', startedAt: NOW - 119_000 }), seen('running')).remove).toEqual([]);
    expect(
      run(worker({ state: 'running', startedAt: NOW - 500_000, pilot: pilot() }), seen('running')).remove,
    ).toEqual([]);
  });

  it('folds a first sight of running past the timeout into one change', () => {
    const { changes } = run(worker(), seen('running', { startedAt: NOW - 200_000 }));
    expect(changes).toEqual([
      expect.objectContaining({ from: 'submitted', to: 'failed', failure: 'never_registered' }),
    ]);
  });
});
