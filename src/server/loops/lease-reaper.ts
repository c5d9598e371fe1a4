// Ends jobs whose pilot stopped heartbeating (lease expired) as failed/lost, and marks
// silent pilots lost, so no job is ever left hanging in dispatched/running.

import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../store/store.ts';

export interface LeaseReaperDeps {
  store: Store;
  logger: FastifyBaseLogger;
  now: () => number;
  /** Idle pilots silent for this long are marked lost. */
  pilotTimeoutMs: number;
}

/** One pass of the reaper; returns how many jobs were declared lost. */
export async function reapExpiredLeases(deps: LeaseReaperDeps): Promise<number> {
  const now = deps.now();
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
  return lostJobs.length;
}
