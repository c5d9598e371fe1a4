// The factory loop: every interval, feed each provisioned site this factory serves (feed-site.ts),
// one site at a time; a site whose cycle fails is logged and retried next cycle, the others go on.

import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BatchSystem, Provisioning } from '../core/index.ts';
import type { P3sClient } from '../protocol/client.ts';
import type { SiteWire } from '../protocol/schemas/sites.ts';
import { workersApi } from '../protocol/workers-client.ts';
import type { BatchAdapter } from './batch/adapter.ts';
import { feedSite, type SiteCycle } from './feed-site.ts';
import type { FactoryOptions } from './options.ts';

export interface CycleResult {
  sites: SiteCycle[];
  /** Sites whose cycle failed, with why. */
  errors: { site: string; error: string }[];
}

export class Factory {
  /** What bounded each site's last logged decision: logged again when that changes, not every cycle. */
  private readonly said = new Map<string, string>();

  constructor(
    private readonly deps: {
      client: P3sClient;
      adapters: Map<BatchSystem, BatchAdapter>;
      options: FactoryOptions;
      logger: Logger;
      now?: () => number;
    },
  ) {}

  /** One cycle over every site this factory serves. */
  async cycle(): Promise<CycleResult> {
    const { client, options, logger } = this.deps;
    const result: CycleResult = { sites: [], errors: [] };
    const { sites } = await client.listSites();
    for (const site of sites.filter((s) => this.serves(s))) {
      const provisioned = site as SiteWire & { provisioning: Provisioning };
      const adapter = this.deps.adapters.get(provisioned.provisioning.batch) as BatchAdapter;
      try {
        const done = await feedSite(
          {
            client,
            workers: workersApi(client),
            adapter,
            options,
            logger,
            host: hostname(),
            now: this.deps.now ?? Date.now,
          },
          provisioned,
        );
        result.sites.push(done);
        this.log(done);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        result.errors.push({ site: site.name, error: message });
        logger.warn({ site: site.name, error: message }, 'site cycle failed; retrying next cycle');
      }
    }
    return result;
  }

  /** Runs cycles until `stop` aborts; resolves after the current cycle ends. */
  async run(stop: AbortSignal): Promise<void> {
    const { options, logger } = this.deps;
    while (!stop.aborted) {
      try {
        await this.cycle();
      } catch (error) {
        logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          'factory cycle failed',
        );
      }
      // Aborting the wait rejects it: that is the stop.
      await sleep(options.intervalSeconds * 1000, undefined, { signal: stop }).catch(() => undefined);
    }
  }

  private serves(site: SiteWire): boolean {
    const { options, adapters } = this.deps;
    const p = site.provisioning;
    if (p === null || !adapters.has(p.batch)) return false;
    if (options.sites.length > 0 && !options.sites.includes(site.name)) return false;
    return options.batchSystems.length === 0 || options.batchSystems.includes(p.batch);
  }

  private log(done: SiteCycle): void {
    const { logger } = this.deps;
    for (const c of done.changes)
      logger.info(
        {
          site: done.site,
          worker: c.id,
          from: c.from,
          to: c.to,
          exitCode: c.exitCode,
          reason: c.reason,
          failure: c.failure,
        },
        'worker changed',
      );
    if (done.submitted > 0 || done.refused !== null)
      logger.info(
        { site: done.site, submitted: done.submitted, refused: done.refused, decision: done.decision.detail },
        'submitted pilots',
      );
    else if (this.said.get(done.site) !== done.decision.limit)
      logger.info({ site: done.site, decision: done.decision.detail }, 'site decision');
    this.said.set(done.site, done.decision.limit);
  }
}
