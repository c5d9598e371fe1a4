// The workers table as Kysely sees it: one row per batch job the factory submitted.

import type { Generated, Selectable } from 'kysely';
import type { BatchSystem, WorkerFailure, WorkerState } from '../core/index.ts';

export interface WorkersTable {
  id: Generated<number>;
  site: string;
  batch_system: BatchSystem;
  batch_id: string | null;
  state: WorkerState;
  pilot_id: number | null;
  submitted_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
  exit_code: number | null;
  reason: string | null;
  failure: WorkerFailure | null;
  kill_requested_at: number | null;
  kill_requested_by: string | null;
  cancelled_by: string | null;
  log_path: string | null;
  factory: string | null;
}

export interface WorkerTables {
  workers: WorkersTable;
}

export type WorkerRow = Selectable<WorkersTable>;
