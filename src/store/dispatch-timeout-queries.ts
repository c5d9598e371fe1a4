// The dispatch watchdog: a job dispatched before `dispatchedBefore` whose pilot never reported a
// start goes back to `defined` (same attempt: nothing ran) and its pilot row stops pointing at it,
// so another pilot may take it; that pilot's late start then finds the job no longer its own.

import { sql } from 'kysely';
import { dispatchStale } from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { transitionJob } from './job-queries.ts';
import type { JobRow } from './schema.ts';
import type { Tx } from './transaction.ts';

export async function requeueStaleDispatchesIn(
  tx: Tx,
  dialect: DialectSql,
  now: number,
  timeoutMs: number,
): Promise<JobRow[]> {
  // SKIP LOCKED: a job its pilot is starting right now is the pilot's (or the next pass's).
  const stale = await tx
    .selectFrom('jobs')
    .selectAll()
    .where('state', '=', 'dispatched')
    .where('dispatched_at', '<', now - timeoutMs)
    // A user's kill stands: queued again, the job would run elsewhere. Its lease decides, as before.
    .where('kill_requested', '=', 0)
    .orderBy('id')
    .$call((qb) => dialect.lockRows(qb, { skipLocked: true }))
    .execute();
  const requeued: JobRow[] = [];
  for (const job of stale) {
    if (!dispatchStale(job.dispatched_at, timeoutMs, now)) continue;
    const seconds = Math.round((now - (job.dispatched_at ?? now)) / 1000);
    const row = await transitionJob(tx, dialect, {
      job,
      transition: 'requeue',
      operation: 'requeue',
      actor: 'reaper',
      now,
      detail: `pilot ${job.pilot_id} on ${job.host} did not start it ${seconds}s after its dispatch (dispatch timeout ${timeoutMs / 1000}s); queued again`,
      set: {
        pilot_id: null,
        host: null,
        ran_at_site: null,
        lease_expires_at: null,
        dispatched_at: null,
        defined_at: now,
      },
    });
    requeued.push(row);
    if (job.pilot_id === null) continue;
    // Only while the pilot is still on this job; a running pilot holding nothing is idle again.
    await tx
      .updateTable('pilots')
      .set({
        current_job_id: null,
        state: sql`CASE WHEN state = 'running' THEN 'idle' ELSE state END`,
      })
      .where('id', '=', job.pilot_id)
      .where('current_job_id', '=', job.id)
      .execute();
  }
  return requeued;
}
