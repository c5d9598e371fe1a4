// The WorkflowStore over Kysely, for both dialects: each verb is one transaction built from the
// dag, dataset and workflow queries; jobs that become claimable are signalled after the commit.

import type { Kysely } from 'kysely';
import {
  type DagInfo,
  type Dataset,
  type Datatype,
  NotFoundError,
  type StoredDag,
  type Workflow,
} from '../core/index.ts';
import {
  addDagIn,
  deleteDagIn,
  deleteDatatypeIn,
  findDagRow,
  listDagRows,
  listDatatypeRows,
  putDatatypeIn,
  workflowsPerDag,
} from './dag-queries.ts';
import { findDatasetRow, listDatasetRows, registerDatasetIn, workflowFileRows } from './dataset-queries.ts';
import type { StoreDialect } from './dialect.ts';
import { type IdempotencyKey, type Once, once } from './idempotency-queries.ts';
import { toJob } from './rows.ts';
import type { Database } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import type { StoreSignals } from './signals.ts';
import { guardStore } from './store-errors.ts';
import type { Transact, Tx } from './transaction.ts';
import {
  cancelWorkflowIn,
  createWorkflowIn,
  deleteWorkflowIn,
  findWorkflowRow,
  jobCountsOf,
  listWorkflowRows,
  retryWorkflowIn,
  startWorkflowIn,
} from './workflow-queries.ts';
import { emptyCounts, toDagInfo, toDataset, toDatatype, toStoredDag, toWorkflow } from './workflow-rows.ts';
import type {
  DatasetFilter,
  NewDag,
  NewDataset,
  NewWorkflow,
  WorkflowDetail,
  WorkflowFilter,
  WorkflowStore,
} from './workflow-store.ts';

export class SqlWorkflowStore implements WorkflowStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;
  readonly #transact: Transact;
  readonly #signal: StoreSignals;

  constructor(db: Kysely<Database>, dialect: StoreDialect, transact: Transact, signal: StoreSignals) {
    this.#db = db;
    this.#dialect = dialect;
    this.#transact = transact;
    this.#signal = signal;
  }

  #write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return guardStore(() => this.#transact(fn));
  }

  #read<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return guardStore(() => fn(this.#db));
  }

  /** A write that may make jobs claimable: NOTIFY inside the transaction, local listeners after it. */
  async #writeReleasing<T>(fn: (tx: Tx) => Promise<{ value: T; released: boolean }>): Promise<T> {
    const { value, released } = await this.#write(async (tx) => {
      const result = await fn(tx);
      if (result.released) await this.#signal.publishJobsAvailable(tx);
      return result;
    });
    if (released) this.#signal.emitJobsAvailable();
    return value;
  }

  async putDatatype(datatype: Datatype, now: number): Promise<{ datatype: Datatype; created: boolean }> {
    const { row, created } = await this.#write((tx) => putDatatypeIn(tx, datatype, now));
    return { datatype: toDatatype(row), created };
  }

  async listDatatypes(): Promise<Datatype[]> {
    return (await this.#read(listDatatypeRows)).map(toDatatype);
  }

  deleteDatatype(name: string): Promise<void> {
    return this.#write((tx) => deleteDatatypeIn(tx, name));
  }

  async addDag(dag: NewDag, options: { replace: boolean }, now: number): Promise<DagInfo> {
    const row = await this.#write((tx) => addDagIn(tx, this.#dialect, dag, options.replace, now));
    const used = await this.#read((db) => workflowsPerDag(db, [row.name]));
    return toDagInfo(row, used.get(row.name) ?? 0);
  }

  async getDag(name: string): Promise<StoredDag | undefined> {
    const row = await this.#read((db) => findDagRow(db, name));
    if (!row) return undefined;
    const used = await this.#read((db) => workflowsPerDag(db, [name]));
    return toStoredDag(row, used.get(name) ?? 0);
  }

  async listDags(): Promise<DagInfo[]> {
    const rows = await this.#read(listDagRows);
    const used = await this.#read((db) => workflowsPerDag(db));
    return rows.map((row) => toDagInfo(row, used.get(row.name) ?? 0));
  }

  deleteDag(name: string, options: { force: boolean }): Promise<void> {
    return this.#write((tx) => deleteDagIn(tx, this.#dialect, name, options.force));
  }

  async registerDataset(dataset: NewDataset, now: number): Promise<Dataset> {
    return toDataset(await this.#write((tx) => registerDatasetIn(tx, dataset, now)));
  }

  async listDatasets(
    filter: DatasetFilter,
    limit: number,
    offset: number,
  ): Promise<{ datasets: Dataset[]; total: number }> {
    const { rows, total } = await this.#read((db) => listDatasetRows(db, filter, limit, offset));
    return { datasets: rows.map(toDataset), total };
  }

  async getDataset(id: number): Promise<Dataset | undefined> {
    const row = await this.#read((db) => findDatasetRow(db, id));
    return row && toDataset(row);
  }

  async createWorkflow(input: NewWorkflow, now: number): Promise<WorkflowDetail> {
    const row = await this.#writeReleasing(async (tx) => {
      const { workflow, released } = await createWorkflowIn(tx, this.#dialect, input, now);
      return { value: workflow, released };
    });
    return this.#detail(row);
  }

  async createWorkflowOnce(
    input: NewWorkflow,
    now: number,
    key: IdempotencyKey,
  ): Promise<Once<WorkflowDetail>> {
    const write = <R>(fn: (tx: Tx) => Promise<R>) => this.#write(fn);
    const { value, replayed } = await once(
      write,
      key,
      async (tx) => {
        const { workflow, released } = await createWorkflowIn(tx, this.#dialect, input, now);
        if (released) await this.#signal.publishJobsAvailable(tx);
        return { value: { workflow, released }, ids: [workflow.id] };
      },
      async (tx, [id]) => {
        const workflow = await findWorkflowRow(tx, id as number);
        if (!workflow) throw new NotFoundError('workflow created with this Idempotency-Key', id as number);
        return { workflow, released: false };
      },
    );
    if (value.released) this.#signal.emitJobsAvailable();
    return { value: await this.#detail(value.workflow), replayed };
  }

  async startWorkflow(id: number, actor: string, now: number): Promise<Workflow> {
    const row = await this.#writeReleasing(async (tx) => {
      const { workflow, released } = await startWorkflowIn(tx, this.#dialect, id, actor, now);
      return { value: workflow, released };
    });
    return this.#withCounts(row);
  }

  async getWorkflow(id: number): Promise<WorkflowDetail | undefined> {
    const row = await this.#read((db) => findWorkflowRow(db, id));
    return row && this.#detail(row);
  }

  async listWorkflows(
    filter: WorkflowFilter,
    limit: number,
    offset: number,
  ): Promise<{ workflows: Workflow[]; total: number }> {
    const { rows, total } = await this.#read((db) => listWorkflowRows(db, filter, limit, offset));
    const counts = await this.#read((db) =>
      jobCountsOf(
        db,
        rows.map((row) => row.id),
      ),
    );
    return { workflows: rows.map((row) => toWorkflow(row, counts.get(row.id))), total };
  }

  async cancelWorkflow(id: number, actor: string, now: number): Promise<Workflow> {
    return this.#withCounts(await this.#write((tx) => cancelWorkflowIn(tx, this.#dialect, id, actor, now)));
  }

  async retryWorkflow(id: number, actor: string, now: number): Promise<Workflow> {
    const row = await this.#writeReleasing(async (tx) => ({
      value: await retryWorkflowIn(tx, this.#dialect, id, actor, now),
      released: true,
    }));
    return this.#withCounts(row);
  }

  deleteWorkflow(id: number): Promise<void> {
    return this.#write((tx) => deleteWorkflowIn(tx, this.#dialect, id));
  }

  async #withCounts(row: WorkflowRow): Promise<Workflow> {
    const counts = await this.#read((db) => jobCountsOf(db, [row.id]));
    return toWorkflow(row, counts.get(row.id));
  }

  /** The workflow with its jobs and files; the counts are those of the jobs shown. */
  async #detail(row: WorkflowRow): Promise<WorkflowDetail> {
    const jobs = await this.#read((db) =>
      db.selectFrom('jobs').selectAll().where('workflow_id', '=', row.id).orderBy('id').execute(),
    );
    const files = await this.#read((db) => workflowFileRows(db, row.id));
    const counts = emptyCounts();
    for (const job of jobs) {
      counts[job.state] += 1;
      counts.total += 1;
    }
    return { workflow: toWorkflow(row, counts), jobs: jobs.map(toJob), files: files.map(toDataset) };
  }
}
