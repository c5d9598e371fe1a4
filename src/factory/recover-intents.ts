// At the start of a site's cycle: intents left by a factory that stopped between submitting pilots
// and recording them (intents.ts). The batch jobs carrying an intent's tag are recorded as workers
// (unless the server has them already); an intent with none is dropped, saying so. A batch system
// that cannot be asked leaves the intent for the next cycle.

import type { Logger } from 'pino';
import type { WorkersApi } from '../protocol/workers-client.ts';
import { type BatchAdapter, submittedWorker } from './batch/adapter.ts';
import { clearIntent, readIntents } from './intents.ts';

/** How many of the site's newest workers are searched for an intent's batch ids already recorded. */
const RECENT = 1000;

/** Records the untracked batch jobs of the site's leftover intents; returns how many it recorded. */
export async function recoverIntents(
  deps: { adapter: BatchAdapter; workers: WorkersApi; logger: Logger; host: string },
  dir: string,
  site: string,
  logDir: string,
): Promise<number> {
  const { adapter, workers, logger } = deps;
  let recovered = 0;
  for (const intent of readIntents(dir, site)) {
    if (intent.system !== adapter.system) continue;
    const found = await adapter.findTagged(intent.tag, logDir);
    const recent = await workers.listWorkers({ site, order: 'newest', limit: RECENT });
    const known = new Set(recent.workers.map((w) => w.batchId));
    const untracked = found.filter((s) => !known.has(s.batchId));
    if (untracked.length > 0) {
      await workers.submitWorkers(untracked.map((s) => submittedWorker(site, adapter.system, s, deps.host)));
      recovered += untracked.length;
    }
    logger.warn(
      { site, tag: intent.tag, intended: intent.count, found: found.length, recorded: untracked.length },
      untracked.length > 0
        ? 'recorded pilots submitted before the factory stopped'
        : found.length > 0
          ? 'a submission the factory did not finish: its pilots were recorded already'
          : 'a submission the factory did not finish: the batch system has none of its pilots',
    );
    clearIntent(dir, intent.tag);
  }
  return recovered;
}
