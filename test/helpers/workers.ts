// A worker as the factory records one (POST /api/v1/workers, store.workers.submitWorkers): queued at
// site `hpc` on Slurm with batch id `slurm:<n>`, unless `over` says otherwise (API tests pass bad
// fields through `over` on purpose).

import type { NewWorker } from '../../src/core/index.ts';

export function newWorker(n: number, over: Partial<NewWorker> | Record<string, unknown> = {}): NewWorker {
  return {
    site: 'hpc',
    batchSystem: 'slurm',
    batchId: `slurm:${n}`,
    state: 'submitted',
    reason: null,
    failure: null,
    logPath: `/f/logs/hpc/slurm-${n}.out`,
    factory: 'submit1',
    ...(over as Partial<NewWorker>),
  };
}
