// Row ↔ domain mapping for the workflow tables (the parsed template is JSON text; job counts come
// from the jobs table, grouped by state).

import {
  type DagInfo,
  type DagTemplate,
  type Dataset,
  type Datatype,
  JOB_STATES,
  type JobCounts,
  joinFilePath,
  type StoredDag,
  type Workflow,
} from '../core/index.ts';
import type { DagRow, DatasetRow, DatatypeRow, WorkflowRow } from './schema-workflows.ts';

export function toDatatype(row: DatatypeRow): Datatype {
  return { name: row.name, ext: row.ext, comment: row.comment };
}

/** A DAG row without its template and GraphML columns (listings do not read them). */
export type DagInfoRow = Omit<DagRow, 'template' | 'graphml'>;

export function toDagInfo(row: DagInfoRow, workflows: number): DagInfo {
  return {
    name: row.name,
    description: row.description,
    user: row.user_name,
    vertices: row.vertex_count,
    edges: row.edge_count,
    workflows,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toStoredDag(row: DagRow, workflows: number): StoredDag {
  return {
    ...toDagInfo(row, workflows),
    template: JSON.parse(row.template) as DagTemplate,
    graphml: row.graphml,
  };
}

export function emptyCounts(): JobCounts {
  return { ...Object.fromEntries(JOB_STATES.map((s) => [s, 0])), total: 0 } as JobCounts;
}

export function toWorkflow(row: WorkflowRow, counts: JobCounts = emptyCounts()): Workflow {
  return {
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    dag: row.dag_name,
    state: row.state,
    user: row.user_name,
    description: row.description,
    counts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

export function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    dirpath: row.dirpath,
    path: joinFilePath(row.dirpath, row.name),
    datatype: row.datatype,
    datatag: row.datatag,
    state: row.state,
    comment: row.comment,
    user: row.user_name,
    workflowId: row.workflow_id,
    edgeIndex: row.edge_index,
    source: row.source_vertex,
    target: row.target_vertex,
    sourceJobId: row.source_job_id,
    targetJobId: row.target_job_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
