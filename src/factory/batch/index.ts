// The batch adapters by system. A new batch system is one adapter file and one entry here (and its
// name in core's BATCH_SYSTEMS).

import { join } from 'node:path';
import type { BatchSystem } from '../../core/index.ts';
import type { BatchAdapter } from './adapter.ts';
import { htcondorAdapter } from './htcondor.ts';
import { localAdapter } from './local.ts';
import { slurmAdapter } from './slurm.ts';

export type { BatchAdapter, SubmitOutcome, SubmitRequest } from './adapter.ts';

export function makeAdapters(factoryDir: string): Map<BatchSystem, BatchAdapter> {
  return new Map<BatchSystem, BatchAdapter>([
    ['slurm', slurmAdapter()],
    ['htcondor', htcondorAdapter()],
    ['local', localAdapter(join(factoryDir, 'local'))],
  ]);
}
