// Ends jobs whose pilot stopped heartbeating (lease expired) as failed/lost, and marks
// silent pilots lost, so no job is ever left hanging in dispatched/running; queues the retries
// whose delay has passed; queues again jobs dispatched too long without a start, and fails jobs
// that waited `defined` past their site's queue limit. A pilot that could
// not report because the database was unavailable is not silent: the outage is given back to
// every active lease before any lease is judged.

import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../store/store.ts';

export interface LeaseReaperDeps {
  store: Store;
  logger: FastifyBaseLogger;
  now: () => number;
  /** Idle pilots silent for this long are marked lost. */
  pilotTimeoutMs: number;
  /** The server's lease period: after an outage every active lease lasts at least this long again. */
  leaseMs: number;
  /** A job dispatched this long without a start report is queued again; null or unset: never. */
  dispatchTimeoutMs?: number | null;
}

/** One pass of the reaper; returns how many jobs were declared lost. */
export async function reapExpiredLeases(deps: LeaseReaperDeps): Promise<number> {
  const now = deps.now();
  await graceAfterOutage(deps, now);
  const { lostJobs, lostPilots } = await deps.store.expireLeases(now, now - deps.pilotTimeoutMs);
  for (const job of lostJobs) {
    deps.logger.warn(
      { jobId: job.id, pilotId: job.pilotId, attempt: job.attempt },
      'job lost: lease expired',
    );
  }
  for (const pilot of lostPilots) {
    deps.logger.warn({ pilotId: pilot.id, uuid: pilot.uuid, host: pilot.host }, 'pilot lost');
  }
  for (const job of await deps.store.releaseDeferredJobs(now)) {
    deps.logger.info({ jobId: job.id, attempt: job.attempt }, 'job queued: its retry delay ended');
  }
  const { requeued, queueTimedOut } = await deps.store.runWatchdogs(now, deps.dispatchTimeoutMs ?? null);
  for (const job of requeued)
    deps.logger.warn({ jobId: job.id, attempt: job.attempt }, 'job queued again: its pilot never started it');
  for (const job of queueTimedOut)
    deps.logger.warn({ jobId: job.id, site: job.site }, `job failed: ${job.errorDiag}`);
  return lostJobs.length;
}

/**
 * When store queries failed since the last pass (the database was away or full), extends every
 * active lease by the outage — from the store's first failed query to now — with the same rule as
 * a server restart (core/leases.ts). Runs before expiring, so a lease that ran out while nobody
 * could report is never judged on a clock that did not stop for the outage.
 */
async function graceAfterOutage(deps: LeaseReaperDeps, now: number): Promise<void> {
  const { availability } = deps.store;
  const pending = availability.pendingGrace();
  if (pending === null) return;
  const outageMs = Math.max(0, pending.at - pending.since);
  const jobs = await deps.store.graceActiveLeases(now + deps.leaseMs, outageMs);
  availability.graced(pending);
  deps.logger.warn(
    { outageSeconds: Math.round(outageMs / 100) / 10, jobs },
    'the database was unavailable: extended the leases of active jobs by the outage',
  );
}
