// The queue watchdog: fails jobs that waited `defined` for their site longer than the site's
// queue limit (error queue_timeout, no retry rules), advancing their workflows. Jobs without a
// site, and sites without a limit, are never touched.

import { sql } from 'kysely';
import { JOB_ERRORS, queueTimedOut, queueTimeoutDiag } from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { endAttemptIn } from './reports/end-attempt.ts';
import type { JobRow } from './schema.ts';
import type { WorkflowRow } from './schema-workflows.ts';
import type { Tx } from './transaction.ts';
import { workflowForPass } from './workflow-advance.ts';

/**
 * Jobs failed per pass at most: 50,000 due at once took 8.6 s in one SQLite transaction, holding
 * the write lock from claims and heartbeats; the rest wait for the next pass (every 2 s).
 */
export const QUEUE_TIMEOUTS_PER_PASS = 500;

export async function expireQueuedJobsIn(
  tx: Tx,
  dialect: DialectSql,
  now: number,
): Promise<{ jobs: JobRow[]; released: boolean }> {
  const limits = await tx
    .selectFrom('sites')
    .select(['name', 'queue_limit'])
    .where('queue_limit', 'is not', null)
    .execute();
  const expiredJobs: JobRow[] = [];
  let released = false;
  const workflows = new Map<number, WorkflowRow | undefined>();
  for (const { name: site, queue_limit: limit } of limits) {
    const room = QUEUE_TIMEOUTS_PER_PASS - expiredJobs.length;
    if (limit === null || room <= 0) continue;
    // SKIP LOCKED: a job a pilot is claiming right now is the pilot's (or the next pass's).
    const due = await tx
      .selectFrom('jobs')
      .selectAll()
      .where('state', '=', 'defined')
      .where('site', '=', site)
      .where('defined_at', '<', sql<number>`${now - limit * 1000}`)
      .orderBy('id')
      .limit(room)
      .$call((qb) => dialect.lockRows(qb, { skipLocked: true }))
      .execute();
    for (const job of due) {
      if (!queueTimedOut(job.defined_at, limit, now)) continue;
      const workflow = await workflowForPass(tx, dialect, job, workflows);
      if (workflow === null) continue;
      const diag = queueTimeoutDiag(site, limit, job.defined_at ?? now, now);
      const ended = await endAttemptIn(tx, dialect, {
        job,
        transition: 'expire',
        operation: 'expire',
        actor: 'reaper',
        now,
        detail: diag,
        workflow,
        set: {
          error_name: 'queue_timeout',
          error_code: JOB_ERRORS.queue_timeout.code,
          error_diag: diag,
          ended_at: now,
        },
      });
      expiredJobs.push(ended.ended);
      if (ended.released) released = true;
      if (workflow) workflows.set(workflow.id, ended.workflow);
    }
  }
  return { jobs: expiredJobs, released };
}
