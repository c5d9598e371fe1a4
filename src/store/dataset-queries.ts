// Dataset queries: files registered on their own and the files of workflows (one per edge),
// listed with filters and paging.

import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { type FieldIssue, NotFoundError, ValidationError } from '../core/index.ts';
import type { Database, JobRow } from './schema.ts';
import type { DatasetRow, NewDatasetRow } from './schema-workflows.ts';
import type { Tx } from './transaction.ts';
import type { DatasetFilter, NewDataset, WorkflowFileSpec } from './workflow-store.ts';

/** Rows per INSERT: keeps every statement under both dialects' bound-parameter limits. */
const INSERT_CHUNK = 400;

export async function registerDatasetIn(tx: Tx, dataset: NewDataset, now: number): Promise<DatasetRow> {
  if (dataset.datatype !== '') {
    const known = await tx
      .selectFrom('datatypes')
      .select('name')
      .where('name', '=', dataset.datatype)
      .executeTakeFirst();
    if (!known) {
      const issue = {
        path: '/datatype',
        message: `"${dataset.datatype}" is not a registered datatype (add it with p3s datatype add)`,
      };
      throw new ValidationError(`${issue.path}: ${issue.message}`, [issue]);
    }
  }
  return tx
    .insertInto('datasets')
    .values({
      uuid: randomUUID(),
      name: dataset.name,
      dirpath: dataset.dirpath,
      datatype: dataset.datatype,
      datatag: '',
      state: dataset.state,
      comment: dataset.comment,
      user_name: dataset.user,
      workflow_id: null,
      edge_index: null,
      source_vertex: null,
      target_vertex: null,
      source_job_id: null,
      target_job_id: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts a workflow's files, each joined to the jobs of its endpoint vertices; all start `template`. */
export async function insertWorkflowFiles(
  tx: Tx,
  workflowId: number,
  files: readonly WorkflowFileSpec[],
  jobsByVertex: ReadonlyMap<string, JobRow>,
  user: string,
  now: number,
): Promise<DatasetRow[]> {
  const issues: FieldIssue[] = [];
  const rows: NewDatasetRow[] = files.map((file, i) => {
    const source = jobsByVertex.get(file.source);
    const target = jobsByVertex.get(file.target);
    for (const [role, vertex, job] of [
      ['source', file.source, source],
      ['target', file.target, target],
    ] as const) {
      if (!job)
        issues.push({ path: `/files/${i}/${role}`, message: `"${vertex}" is not a vertex of the workflow` });
    }
    return {
      uuid: randomUUID(),
      name: file.name,
      dirpath: file.dirpath,
      datatype: file.datatype,
      datatag: file.datatag,
      state: 'template',
      comment: file.comment,
      user_name: user,
      workflow_id: workflowId,
      edge_index: file.edgeIndex,
      source_vertex: file.source,
      target_vertex: file.target,
      source_job_id: source?.id ?? null,
      target_job_id: target?.id ?? null,
      created_at: now,
      updated_at: now,
    };
  });
  if (issues.length > 0) throw new ValidationError(`${issues[0]?.path}: ${issues[0]?.message}`, issues);
  const inserted: DatasetRow[] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    inserted.push(
      ...(await tx
        .insertInto('datasets')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .returningAll()
        .execute()),
    );
  }
  return inserted.sort((a, b) => (a.edge_index ?? 0) - (b.edge_index ?? 0));
}

export function workflowFileRows(db: Kysely<Database>, workflowId: number): Promise<DatasetRow[]> {
  return db
    .selectFrom('datasets')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('edge_index')
    .execute();
}

export function findDatasetRow(db: Kysely<Database>, id: number): Promise<DatasetRow | undefined> {
  return db.selectFrom('datasets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function requireDatasetRow(db: Kysely<Database>, id: number): Promise<DatasetRow> {
  const row = await findDatasetRow(db, id);
  if (!row) throw new NotFoundError('dataset', id);
  return row;
}

export async function listDatasetRows(
  db: Kysely<Database>,
  filter: DatasetFilter,
  limit: number,
  offset: number,
): Promise<{ rows: DatasetRow[]; total: number }> {
  const where = (eb: ExpressionBuilder<Database, 'datasets'>) => {
    const conditions = [];
    if (filter.workflowId !== undefined) conditions.push(eb('workflow_id', '=', filter.workflowId));
    if (filter.name !== undefined) conditions.push(eb('name', '=', filter.name));
    if (filter.datatype !== undefined) conditions.push(eb('datatype', '=', filter.datatype));
    if (filter.state !== undefined) conditions.push(eb('state', '=', filter.state));
    return eb.and(conditions);
  };
  const rows = await db
    .selectFrom('datasets')
    .selectAll()
    .where(where)
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  const count = await db
    .selectFrom('datasets')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where(where)
    .executeTakeFirstOrThrow();
  return { rows, total: Number(count.total) };
}
