// One factory cycle for one site: reconcile its workers with the batch system, remove what must go
// (kill requests, pilots that never registered), ask the server for the site's decision
// (core's decideFeed over its database) and submit that many pilots, recording each worker. Each
// submission is an intent on disk until its workers are recorded (intents.ts, recover-intents.ts).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  type BatchObservation,
  type Provisioning,
  pilotLifetimeOf,
  reconcileWorkers,
  type Worker,
  type WorkerChange,
} from '../core/index.ts';
import type { P3sClient } from '../protocol/client.ts';
import type { SiteWire } from '../protocol/schemas/sites.ts';
import type { WorkersApi } from '../protocol/workers-client.ts';
import { type BatchAdapter, submittedWorker } from './batch/adapter.ts';
import { clearIntent, newTag, writeIntent } from './intents.ts';
import type { FactoryOptions } from './options.ts';
import { pilotLaunch } from './pilot-launch.ts';
import { ensurePilotToken } from './pilot-token.ts';
import { recoverIntents } from './recover-intents.ts';

export interface FactoryDeps {
  client: P3sClient;
  workers: WorkersApi;
  adapter: BatchAdapter;
  options: FactoryOptions;
  logger: Logger;
  /** This host's name, recorded with each worker. */
  host: string;
  now: () => number;
}

/** What one site's cycle did, for the factory's log. */
export interface SiteCycle {
  site: string;
  changes: WorkerChange[];
  removed: number;
  submitted: number;
  refused: string | null;
  decision: { limit: string; detail: string };
}

const PAGE = 1000;

export async function feedSite(
  deps: FactoryDeps,
  site: SiteWire & { provisioning: Provisioning },
): Promise<SiteCycle> {
  const { adapter, workers, options, logger } = deps;
  const report: SiteCycle = {
    site: site.name,
    changes: [],
    removed: 0,
    submitted: 0,
    refused: null,
    decision: { limit: '', detail: '' },
  };
  const dirs = siteDirs(options.dir, site.name);
  await recoverIntents(deps, options.dir, site.name, dirs.logs);
  const active = await activeWorkers(workers, site.name);
  if (active.length > 0) {
    // A batch system that cannot be asked proves nothing: no changes, no submissions this cycle.
    const observed: Map<string, BatchObservation> = await adapter.status(
      active.flatMap((w) => (w.batchId === null ? [] : [w.batchId])),
    );
    const result = reconcileWorkers({
      now: deps.now(),
      workers: active,
      observed,
      startTimeoutMs: site.provisioning.startTimeout * 1000,
      graceMs: options.graceSeconds * 1000,
    });
    if (result.remove.length > 0) {
      for (const r of result.remove)
        logger.info(
          { site: site.name, worker: r.worker.id, batchId: r.worker.batchId, why: r.why },
          'removing worker',
        );
      await adapter.remove(
        result.remove.flatMap((r) => (r.worker.batchId === null ? [] : [r.worker.batchId])),
      );
      report.removed = result.remove.length;
    }
    if (result.changes.length > 0) {
      await workers.recordWorkerChanges(result.changes);
      report.changes = result.changes;
    }
  }
  const { provisioning: state } = await workers.siteProvisioning(site.name);
  report.decision = { limit: state.decision.limit, detail: state.decision.detail };
  if (state.decision.submit <= 0) return report;

  const token = await ensurePilotToken(deps.client, {
    dir: dirs.tokens,
    site: site.name,
    pilotLifetime: pilotLifetimeOf(site.provisioning),
    now: deps.now(),
  });
  // The intent first: a factory that stops before the workers are recorded finds them next time.
  const tag = newTag();
  writeIntent(options.dir, {
    tag,
    site: site.name,
    system: adapter.system,
    count: state.decision.submit,
    at: deps.now(),
  });
  const outcome = await adapter.submit({
    tag,
    site: site.name,
    count: state.decision.submit,
    launch: pilotLaunch(site, {
      pilotServer: options.pilotServer,
      pilotCommand: options.pilotCommand,
      caFile: options.pilotCaFile,
    }),
    resources: site.provisioning.resources,
    submitLines: site.provisioning.submitLines,
    tokenFile: token.file,
    logDir: dirs.logs,
    scriptDir: dirs.scripts,
  });
  const recorded = [
    ...outcome.submitted.map((s) => submittedWorker(site.name, adapter.system, s, deps.host)),
    // A refusal is recorded as a failed worker: the server's backoff rule counts them.
    ...(outcome.refused === null
      ? []
      : [
          {
            site: site.name,
            batchSystem: adapter.system,
            batchId: null,
            state: 'failed' as const,
            reason: outcome.refused,
            failure: 'submit_refused' as const,
            logPath: null,
            factory: deps.host,
          },
        ]),
  ];
  if (recorded.length > 0) await workers.submitWorkers(recorded);
  clearIntent(options.dir, tag);
  report.submitted = outcome.submitted.length;
  report.refused = outcome.refused;
  return report;
}

async function activeWorkers(workers: WorkersApi, site: string): Promise<Worker[]> {
  const all: Worker[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await workers.listWorkers({ site, state: 'submitted,held,running', limit: PAGE, offset });
    all.push(...page.workers);
    if (page.workers.length < PAGE) return all;
  }
}

/** The factory's folders for a site: tokens (0700), scripts, and the pilots' batch output. */
export function siteDirs(dir: string, site: string): { tokens: string; scripts: string; logs: string } {
  const dirs = { tokens: join(dir, 'tokens'), scripts: join(dir, 'scripts'), logs: join(dir, 'logs', site) };
  mkdirSync(dirs.scripts, { recursive: true });
  mkdirSync(dirs.logs, { recursive: true });
  return dirs;
}
