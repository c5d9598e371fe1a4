// Domain types of workflows and their data: datatypes, stored DAG templates, workflows and
// datasets (data files). Times are epoch milliseconds.

import type { DagTemplate } from './dag/dag-types.ts';
import type { WorkflowState } from './dag/readiness.ts';
import type { JobState } from './job-state.ts';

/** A registered kind of file (P3S `data.datatype`): edges name one, workflow files get its extension. */
export interface Datatype {
  name: string;
  /** File name extension including its dot (`.txt`), or '' for none. */
  ext: string;
  comment: string;
}

/** A stored DAG template without its graph: what `dag list` shows. */
export interface DagInfo {
  name: string;
  description: string;
  user: string;
  vertices: number;
  edges: number;
  /** Workflows made from it that still exist. */
  workflows: number;
  createdAt: number;
  updatedAt: number;
}

/** A stored DAG template with its graph and the GraphML text it was read from. */
export interface StoredDag extends DagInfo {
  template: DagTemplate;
  graphml: string;
}

/** Number of a workflow's jobs in each job state, and the total. */
export type JobCounts = Record<JobState, number> & { total: number };

export interface Workflow {
  id: number;
  uuid: string;
  name: string;
  /** Name of the DAG it was made from (the DAG may since have been replaced or deleted). */
  dag: string;
  state: WorkflowState;
  user: string;
  description: string;
  counts: JobCounts;
  createdAt: number;
  /** When it was started (template → defined); null while a template. */
  startedAt: number | null;
  /** When it reached finished, failed or cancelled; null while it can still move. */
  endedAt: number | null;
  updatedAt: number;
}

/** A data file: one per workflow edge, or registered on its own (`p3s dataset register`). */
export interface Dataset {
  id: number;
  uuid: string;
  name: string;
  dirpath: string;
  /** dirpath and name joined by one `/`. */
  path: string;
  datatype: string;
  /** The env variable that carries the path to the edge's jobs; '' for none. */
  datatag: string;
  /** Workflow files: template, ready or failed (see fileStateFor); registered files: as given. */
  state: string;
  comment: string;
  user: string;
  workflowId: number | null;
  /** Position of the edge in the DAG file (tells parallel edges apart); null for a registered file. */
  edgeIndex: number | null;
  /** Producing and consuming vertices (job names) and jobs; null for a registered file. */
  source: string | null;
  target: string | null;
  sourceJobId: number | null;
  targetJobId: number | null;
  createdAt: number;
  updatedAt: number;
}
