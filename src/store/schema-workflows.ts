// The workflow tables as Kysely sees them: datatypes, DAG templates, workflows and datasets.
// JSON values (the parsed template) are stored as text; times are epoch milliseconds.

import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { WorkflowState } from '../core/index.ts';

export interface DatatypesTable {
  name: string;
  ext: string;
  comment: string;
  created_at: number;
  updated_at: number;
}

export interface DagsTable {
  id: Generated<number>;
  name: string;
  description: string;
  user_name: string;
  /** The parsed DagTemplate as JSON. */
  template: string;
  /** The GraphML text as it was uploaded. */
  graphml: string;
  vertex_count: number;
  edge_count: number;
  created_at: number;
  updated_at: number;
}

export interface WorkflowsTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  dag_name: string;
  state: WorkflowState;
  user_name: string;
  description: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
}

export interface DatasetsTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  dirpath: string;
  datatype: string;
  datatag: string;
  state: string;
  comment: string;
  user_name: string;
  workflow_id: number | null;
  edge_index: number | null;
  source_vertex: string | null;
  target_vertex: string | null;
  source_job_id: number | null;
  target_job_id: number | null;
  created_at: number;
  updated_at: number;
}

export interface WorkflowTables {
  datatypes: DatatypesTable;
  dags: DagsTable;
  workflows: WorkflowsTable;
  datasets: DatasetsTable;
}

export type DatatypeRow = Selectable<DatatypesTable>;
export type DagRow = Selectable<DagsTable>;
export type WorkflowRow = Selectable<WorkflowsTable>;
export type WorkflowUpdate = Updateable<WorkflowsTable>;
export type DatasetRow = Selectable<DatasetsTable>;
export type NewDatasetRow = Insertable<DatasetsTable>;
