// Purges, on a schedule, ended jobs, workflows and pilots older than the retention period
// (`p3s server --purge-after`), page by page so other writers get their turn in between.

import type { FastifyBaseLogger } from 'fastify';
import { PURGE_BATCH_DEFAULT, PURGE_STATES, type PurgeTarget } from '../../core/retention.ts';
import type { Store } from '../../store/store.ts';

export interface RetentionDeps {
  store: Store;
  logger: FastifyBaseLogger;
  now: () => number;
  /** Records last changed longer ago than this are purged. */
  purgeAfterMs: number;
  batch?: number;
}

/** Workflows first (they take their jobs along), then standalone jobs, then pilots. */
const ORDER: readonly PurgeTarget[] = ['workflows', 'jobs', 'pilots'];

/** One pass: every ended record older than the period, in its default states. Returns the counts. */
export async function purgeExpired(deps: RetentionDeps): Promise<Record<PurgeTarget, number>> {
  const before = deps.now() - deps.purgeAfterMs;
  const counts: Record<PurgeTarget, number> = { jobs: 0, pilots: 0, workflows: 0 };
  for (const what of ORDER) {
    let afterId: number | null = 0;
    while (afterId !== null) {
      const page = await deps.store.retention.purge({
        what,
        before,
        states: PURGE_STATES[what].default,
        afterId,
        limit: deps.batch ?? PURGE_BATCH_DEFAULT,
        dryRun: false,
        withRecords: false,
      });
      counts[what] += page.ids.length;
      afterId = page.next;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (counts.jobs + counts.pilots + counts.workflows > 0)
    deps.logger.info({ ...counts, before }, 'retention: purged old records');
  return counts;
}
