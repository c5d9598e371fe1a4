// Workflows: datatypes, DAG templates (parsed JSON and the GraphML text), workflows and datasets
// (one row per workflow edge, or a file registered on its own). Index SQL is shared by both dialects.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';
import { identityColumn } from './identity.ts';

export function workflows(dialect: Dialect): Migration {
  const identity = identityColumn(dialect);

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('datatypes')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('ext', 'text', (col) => col.notNull())
        .addColumn('comment', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('dags')
        .addColumn('id', 'integer', identity)
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('user_name', 'text', (col) => col.notNull())
        .addColumn('template', 'text', (col) => col.notNull())
        .addColumn('graphml', 'text', (col) => col.notNull())
        .addColumn('vertex_count', 'integer', (col) => col.notNull())
        .addColumn('edge_count', 'integer', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();

      // A workflow holds its graph in its jobs and datasets: it never needs its DAG row again.
      await db.schema
        .createTable('workflows')
        .addColumn('id', 'integer', identity)
        .addColumn('uuid', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('dag_name', 'text', (col) => col.notNull())
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('user_name', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('datasets')
        .addColumn('id', 'integer', identity)
        .addColumn('uuid', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('dirpath', 'text', (col) => col.notNull())
        .addColumn('datatype', 'text', (col) => col.notNull())
        .addColumn('datatag', 'text', (col) => col.notNull())
        .addColumn('state', 'text', (col) => col.notNull())
        .addColumn('comment', 'text', (col) => col.notNull())
        .addColumn('user_name', 'text', (col) => col.notNull())
        .addColumn('workflow_id', 'integer', (col) => col.references('workflows.id'))
        .addColumn('edge_index', 'integer')
        .addColumn('source_vertex', 'text')
        .addColumn('target_vertex', 'text')
        .addColumn('source_job_id', 'integer')
        .addColumn('target_job_id', 'integer')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();

      for (const statement of INDEXES) await statement.execute(db);
    },
  };
}

const INDEXES = [
  sql`CREATE UNIQUE INDEX dags_name_unique ON dags (name)`,
  sql`CREATE UNIQUE INDEX workflows_uuid_unique ON workflows (uuid)`,
  sql`CREATE INDEX workflows_by_state_index ON workflows (state, id)`,
  // Refusing to delete a DAG that workflows still name, and `workflow list --dag`.
  sql`CREATE INDEX workflows_by_dag_index ON workflows (dag_name, id)`,
  sql`CREATE INDEX workflows_by_user_index ON workflows (user_name, id)`,
  sql`CREATE UNIQUE INDEX datasets_uuid_unique ON datasets (uuid)`,
  // A workflow's files in edge order (show, the advancing graph, delete).
  sql`CREATE INDEX datasets_by_workflow_index ON datasets (workflow_id, edge_index) WHERE workflow_id IS NOT NULL`,
  // The state of a job's output files follows the job.
  sql`CREATE INDEX datasets_by_source_job_index ON datasets (source_job_id) WHERE source_job_id IS NOT NULL`,
  // "Was this file seen already?" lookups by name (P3S getdata?name=).
  sql`CREATE INDEX datasets_by_name_index ON datasets (name, id)`,
];
