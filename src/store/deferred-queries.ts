// Deferred retries: a retry rule with a delay parks the next attempt (template, release_at); the
// server's reaper pass releases those whose time has come.

import type { DialectSql } from './dialect.ts';
import { transitionJob } from './job-queries.ts';
import type { JobRow } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import type { Tx } from './transaction.ts';
import { advanceWorkflowIn, workflowForPass } from './workflow-advance.ts';

export async function releaseDeferredJobsIn(
  tx: Tx,
  dialect: DialectSql,
  now: number,
): Promise<{ releasedJobs: JobRow[]; released: boolean }> {
  // SKIP LOCKED: a job someone is changing right now waits for the next pass.
  const due = await tx
    .selectFrom('jobs')
    .selectAll()
    .where('release_at', '<=', now)
    .where('state', '=', 'template')
    .orderBy('id')
    .$call((qb) => dialect.lockRows(qb, { skipLocked: true }))
    .execute();
  const releasedJobs: JobRow[] = [];
  const workflows = new Map<number, WorkflowRow | undefined>();
  for (const job of due) {
    const workflow = await workflowForPass(tx, dialect, job, workflows);
    if (workflow === null) continue;
    const row = await transitionJob(tx, dialect, {
      job,
      transition: 'release',
      operation: 'release',
      actor: 'retry-timer',
      now,
      detail: `its retry delay ended at ${new Date(job.release_at ?? now).toISOString()}`,
      set: { release_at: null, defined_at: now },
    });
    releasedJobs.push(row);
    if (workflow)
      workflows.set(workflow.id, (await advanceWorkflowIn(tx, dialect, workflow, row, now)).workflow);
  }
  return { releasedJobs, released: releasedJobs.length > 0 };
}
