// The workflow part of the Store, reached as `store.workflows`: datatypes, DAG templates, workflows
// and datasets in domain verbs. Each verb is one transaction; a workflow's jobs live in the jobs table.

import type {
  DagInfo,
  DagTemplate,
  Dataset,
  Datatype,
  Job,
  JobSpec,
  StoredDag,
  Workflow,
  WorkflowState,
} from '../core/index.ts';
import type { IdempotencyKey, Once } from './idempotency-queries.ts';

export interface NewDag {
  name: string;
  description: string;
  user: string;
  /** The template as read from `graphml`. */
  template: DagTemplate;
  graphml: string;
}

/** The job of one vertex, as instantiated (state, site and workflow are the store's to set). */
export type WorkflowJobSpec = Pick<
  JobSpec,
  'name' | 'jobtype' | 'payload' | 'env' | 'priority' | 'timelimit'
>;

/** The file of one edge, as instantiated. */
export interface WorkflowFileSpec {
  edgeIndex: number;
  source: string;
  target: string;
  name: string;
  dirpath: string;
  datatype: string;
  datatag: string;
  comment: string;
}

export interface NewWorkflow {
  /** Name of the stored DAG it is made from; it must exist. */
  dag: string;
  name: string;
  description: string;
  user: string;
  /** `defined` starts it at once. */
  state: 'template' | 'defined';
  /** One job per vertex (named after it), in vertex order. */
  jobs: { vertex: string; spec: WorkflowJobSpec }[];
  /** One file per edge; its source and target name vertices of `jobs`. */
  files: WorkflowFileSpec[];
}

export interface WorkflowDetail {
  workflow: Workflow;
  /** In vertex order. */
  jobs: Job[];
  /** In edge order. */
  files: Dataset[];
}

export interface WorkflowFilter {
  states?: WorkflowState[];
  dag?: string;
  user?: string;
}

export interface DatasetFilter {
  workflowId?: number;
  /** Exact file name. */
  name?: string;
  datatype?: string;
  state?: string;
}

export interface NewDataset {
  name: string;
  dirpath: string;
  datatype: string;
  state: string;
  comment: string;
  user: string;
}

export interface WorkflowStore {
  // Datatypes
  /** Adds a datatype or updates the one of that name (as P3S registertype did). */
  putDatatype(datatype: Datatype, now: number): Promise<{ datatype: Datatype; created: boolean }>;
  listDatatypes(): Promise<Datatype[]>;
  /** Refused (InvalidTransitionError) while a stored DAG uses it. */
  deleteDatatype(name: string): Promise<void>;

  // DAG templates
  /**
   * Stores a template; with `replace` an existing one of that name is overwritten in the same
   * transaction (AlreadyExistsError without it). Every edge's datatype must be registered.
   */
  addDag(dag: NewDag, options: { replace: boolean }, now: number): Promise<DagInfo>;
  getDag(name: string): Promise<StoredDag | undefined>;
  listDags(): Promise<DagInfo[]>;
  /**
   * Refused while workflows made from it exist, unless `force`: workflows hold their own graph, so
   * they keep running without it.
   */
  deleteDag(name: string, options: { force: boolean }): Promise<void>;

  // Datasets
  registerDataset(dataset: NewDataset, now: number): Promise<Dataset>;
  listDatasets(
    filter: DatasetFilter,
    limit: number,
    offset: number,
  ): Promise<{ datasets: Dataset[]; total: number }>;
  getDataset(id: number): Promise<Dataset | undefined>;

  // Workflows
  /** Stores the workflow, its jobs (template) and files in one transaction; `defined` also starts it. */
  createWorkflow(workflow: NewWorkflow, now: number): Promise<WorkflowDetail>;
  /** createWorkflow once per idempotency key (see Store.submitJobsOnce). */
  createWorkflowOnce(workflow: NewWorkflow, now: number, key: IdempotencyKey): Promise<Once<WorkflowDetail>>;
  /** template → defined: every source is released (a noop source completes and releases its children). */
  startWorkflow(id: number, actor: string, now: number): Promise<Workflow>;
  getWorkflow(id: number): Promise<WorkflowDetail | undefined>;
  listWorkflows(
    filter: WorkflowFilter,
    limit: number,
    offset: number,
  ): Promise<{ workflows: Workflow[]; total: number }>;
  /** Cancels every job not yet ended; running ones are killed by their pilots. */
  cancelWorkflow(id: number, actor: string, now: number): Promise<Workflow>;
  /** Re-queues failed jobs (and killed ones whose parents finished); what they cancelled reopens. */
  retryWorkflow(id: number, actor: string, now: number): Promise<Workflow>;
  /** Deletes the workflow with its jobs (events, attempts, logs) and files; refused while a job runs. */
  deleteWorkflow(id: number): Promise<void>;
}
