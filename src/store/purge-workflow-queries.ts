// The purge of workflows: one page of old workflows none of whose jobs a pilot holds, each
// deleted by the workflow store's own delete (jobs with events, attempts and logs, and files).

import type { Kysely } from 'kysely';
import { ACTIVE_JOB_STATES, isAppError, type WorkflowState } from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { hasScope, jobRecords, lockPage, nextAfter } from './purge-queries.ts';
import type { PurgedRecord, PurgeQuery, PurgeResult } from './retention-store.ts';
import type { Database } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import { deleteWorkflowIn } from './workflow-queries.ts';
import { emptyCounts, toDataset, toWorkflow } from './workflow-rows.ts';

export async function purgeWorkflowsIn(
  db: Kysely<Database>,
  dialect: DialectSql,
  query: PurgeQuery,
): Promise<PurgeResult> {
  if (!hasScope(query)) return { ids: [], records: [], next: null };
  const rows = await db
    .selectFrom('workflows')
    .selectAll()
    .where('state', 'in', query.states as WorkflowState[])
    .where('updated_at', '<', query.before)
    .where('id', '>', query.afterId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('jobs')
            .select('jobs.id')
            .whereRef('jobs.workflow_id', '=', 'workflows.id')
            .where('jobs.state', 'in', ACTIVE_JOB_STATES),
        ),
      ),
    )
    .$if(query.ids !== undefined, (qb) => qb.where('id', 'in', query.ids as number[]))
    .orderBy('id')
    .limit(query.limit)
    .$call((qb) => lockPage(qb, dialect, query))
    .execute();
  const next = nextAfter(
    rows.map((row) => row.id),
    query.limit,
  );
  const records = query.withRecords ? await workflowRecords(db, rows) : [];
  if (query.dryRun) return { ids: rows.map((row) => row.id), records, next };
  const ids: number[] = [];
  for (const row of rows) {
    try {
      await deleteWorkflowIn(db, dialect, row.id);
      ids.push(row.id);
    } catch (error) {
      // A job of it was claimed since the page was read (SQLite reads before it locks): keep it.
      if (!isAppError(error) || error.code !== 'invalid_transition') throw error;
    }
  }
  return { ids, records: records.filter((r) => 'workflow' in r && ids.includes(r.workflow.id)), next };
}

/** Each workflow with its jobs (and their history) and its files, as the API shows them. */
async function workflowRecords(db: Kysely<Database>, rows: WorkflowRow[]): Promise<PurgedRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const jobIds = await db
    .selectFrom('jobs')
    .select('id')
    .where('workflow_id', 'in', ids)
    .orderBy('id')
    .execute();
  const jobs = await jobRecords(
    db,
    jobIds.map((j) => j.id),
  );
  const datasets = await db
    .selectFrom('datasets')
    .selectAll()
    .where('workflow_id', 'in', ids)
    .orderBy('id')
    .execute();
  return rows.map((row) => {
    const own = jobs.filter((j) => j.job.workflowId === row.id);
    const counts = emptyCounts();
    for (const { job } of own) {
      counts[job.state] += 1;
      counts.total += 1;
    }
    return {
      workflow: toWorkflow(row, counts),
      jobs: own,
      datasets: datasets.filter((d) => d.workflow_id === row.id).map(toDataset),
    };
  });
}
