// Datatype and DAG template queries: upsert, read and delete, with the checks that keep them
// consistent (a DAG's datatypes are registered; what is in use is not deleted without force).

import type { Kysely } from 'kysely';
import {
  AlreadyExistsError,
  type DagTemplate,
  type Datatype,
  type FieldIssue,
  InvalidTransitionError,
  NotFoundError,
  ValidationError,
} from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import type { Database } from './schema.ts';
import type { DagRow, DatatypeRow } from './schema-workflows.ts';
import type { Tx } from './transaction.ts';
import type { DagInfoRow } from './workflow-rows.ts';
import type { NewDag } from './workflow-store.ts';

export async function putDatatypeIn(
  tx: Tx,
  datatype: Datatype,
  now: number,
): Promise<{ row: DatatypeRow; created: boolean }> {
  const existing = await tx
    .selectFrom('datatypes')
    .select('name')
    .where('name', '=', datatype.name)
    .executeTakeFirst();
  if (existing) {
    const row = await tx
      .updateTable('datatypes')
      .set({ ext: datatype.ext, comment: datatype.comment, updated_at: now })
      .where('name', '=', datatype.name)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, created: false };
  }
  const row = await tx
    .insertInto('datatypes')
    .values({ ...datatype, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, created: true };
}

export function listDatatypeRows(db: Kysely<Database>): Promise<DatatypeRow[]> {
  return db.selectFrom('datatypes').selectAll().orderBy('name').execute();
}

/** Deletes a datatype no stored DAG uses (templates are few, so they are simply read). */
export async function deleteDatatypeIn(tx: Tx, name: string): Promise<void> {
  const existing = await tx
    .selectFrom('datatypes')
    .select('name')
    .where('name', '=', name)
    .executeTakeFirst();
  if (!existing) throw new NotFoundError('datatype', name);
  const dags = await tx.selectFrom('dags').select(['name', 'template']).orderBy('name').execute();
  const users = dags
    .filter((dag) => (JSON.parse(dag.template) as DagTemplate).edges.some((e) => e.datatype === name))
    .map((dag) => dag.name);
  if (users.length > 0) {
    throw new InvalidTransitionError(
      'datatype',
      name,
      `used by DAG ${users.join(', ')}`,
      'delete',
      'delete or replace those DAGs first',
    );
  }
  await tx.deleteFrom('datatypes').where('name', '=', name).execute();
}

/** Stores a DAG template (or, with replace, overwrites the one of that name in place). */
export async function addDagIn(
  tx: Tx,
  dialect: DialectSql,
  dag: NewDag,
  replace: boolean,
  now: number,
): Promise<DagRow> {
  await requireDatatypes(tx, dag.template);
  const values = {
    description: dag.description,
    user_name: dag.user,
    template: JSON.stringify(dag.template),
    graphml: dag.graphml,
    vertex_count: dag.template.vertices.length,
    edge_count: dag.template.edges.length,
    updated_at: now,
  };
  const existing = await tx
    .selectFrom('dags')
    .select('id')
    .where('name', '=', dag.name)
    .$call((qb) => dialect.lockRows(qb))
    .executeTakeFirst();
  if (existing && !replace)
    throw new AlreadyExistsError('DAG', dag.name, 'add it with --replace to overwrite it');
  if (existing) {
    return tx
      .updateTable('dags')
      .set(values)
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  try {
    return await tx
      .insertInto('dags')
      .values({ ...values, name: dag.name, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    // Two servers adding the same name at once: the unique index decides.
    if (isUniqueViolation(error))
      throw new AlreadyExistsError('DAG', dag.name, 'add it with --replace to overwrite it');
    throw error;
  }
}

/** Every edge's datatype must be registered (checked again here, inside the writing transaction). */
async function requireDatatypes(tx: Tx, template: DagTemplate): Promise<void> {
  const wanted = [...new Set(template.edges.map((e) => e.datatype).filter((t) => t !== ''))];
  if (wanted.length === 0) return;
  const known = new Set(
    (await tx.selectFrom('datatypes').select('name').where('name', 'in', wanted).execute()).map(
      (r) => r.name,
    ),
  );
  const issues: FieldIssue[] = template.edges
    .filter((e) => e.datatype !== '' && !known.has(e.datatype))
    .map((e) => ({
      path: `/edges/${e.index}/datatype`,
      message: `edge ${e.source} → ${e.target}: "${e.datatype}" is not a registered datatype`,
    }));
  if (issues.length > 0) throw new ValidationError(`${issues[0]?.path}: ${issues[0]?.message}`, issues);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

const INFO_COLUMNS = [
  'id',
  'name',
  'description',
  'user_name',
  'vertex_count',
  'edge_count',
  'created_at',
  'updated_at',
] as const;

export function findDagRow(db: Kysely<Database>, name: string): Promise<DagRow | undefined> {
  return db.selectFrom('dags').selectAll().where('name', '=', name).executeTakeFirst();
}

export function listDagRows(db: Kysely<Database>): Promise<DagInfoRow[]> {
  return db.selectFrom('dags').select(INFO_COLUMNS).orderBy('name').execute();
}

/** Number of existing workflows made from each of the named DAGs (all DAGs when none are named). */
export async function workflowsPerDag(db: Kysely<Database>, names?: string[]): Promise<Map<string, number>> {
  if (names?.length === 0) return new Map();
  const rows = await db
    .selectFrom('workflows')
    .select((eb) => ['dag_name', eb.fn.countAll<number>().as('n')])
    .$if(names !== undefined, (qb) => qb.where('dag_name', 'in', names as string[]))
    .groupBy('dag_name')
    .execute();
  return new Map(rows.map((r) => [r.dag_name, Number(r.n)]));
}

export async function deleteDagIn(tx: Tx, dialect: DialectSql, name: string, force: boolean): Promise<void> {
  const dag = await tx
    .selectFrom('dags')
    .select('id')
    .where('name', '=', name)
    .$call((qb) => dialect.lockRows(qb))
    .executeTakeFirst();
  if (!dag) throw new NotFoundError('DAG', name);
  const used = (await workflowsPerDag(tx, [name])).get(name) ?? 0;
  if (used > 0 && !force) {
    throw new InvalidTransitionError(
      'DAG',
      name,
      `used by ${used} workflow${used === 1 ? '' : 's'}`,
      'delete',
      'delete those workflows first, or use --force: they keep running without their template',
    );
  }
  await tx.deleteFrom('dags').where('id', '=', dag.id).execute();
}
