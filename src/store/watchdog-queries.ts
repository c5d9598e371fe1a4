// The reaper's watchdogs in one transaction: jobs dispatched too long without a start go back to
// the queue, then jobs that waited `defined` past their site's queue limit fail.

import type { DialectSql } from './dialect.ts';
import { requeueStaleDispatchesIn } from './dispatch-timeout-queries.ts';
import { expireQueuedJobsIn } from './queue-timeout-queries.ts';
import { toJob } from './rows.ts';
import type { Watchdogged } from './store.ts';
import type { Tx } from './transaction.ts';

export async function runWatchdogsIn(
  tx: Tx,
  dialect: DialectSql,
  now: number,
  dispatchTimeoutMs: number | null,
): Promise<Watchdogged & { released: boolean }> {
  const requeued =
    dispatchTimeoutMs === null ? [] : await requeueStaleDispatchesIn(tx, dialect, now, dispatchTimeoutMs);
  const expired = await expireQueuedJobsIn(tx, dialect, now);
  return {
    requeued: requeued.map(toJob),
    queueTimedOut: expired.jobs.map(toJob),
    released: requeued.length > 0 || expired.released,
  };
}
