// The store conformance suite: every behaviour the Store promises, run against each dialect
// by its own test file (sqlite.test.ts, postgres.test.ts). One file per group of behaviours.

import { afterEach, describe } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { describeAuth } from './conformance-auth.ts';
import { describeClaims } from './conformance-claim.ts';
import { describeClaimFit } from './conformance-claim-fit.ts';
import type { ConformanceContext, StoreTarget } from './conformance-fixtures.ts';
import { describeIdempotency } from './conformance-idempotency.ts';
import { describeJobCommands } from './conformance-job-commands.ts';
import { describeJobSamples } from './conformance-job-samples.ts';
import { describeLeases } from './conformance-leases.ts';
import { describeListing } from './conformance-listing.ts';
import { describeLogs } from './conformance-logs.ts';
import { describePilotReports } from './conformance-pilot-reports.ts';
import { describePilots } from './conformance-pilots.ts';
import { describeRetention } from './conformance-retention.ts';
import { describeRetryRules } from './conformance-retry.ts';
import { describeSchema } from './conformance-schema.ts';
import { describeSignals } from './conformance-signals.ts';
import { describeSites } from './conformance-sites.ts';
import { describeStats } from './conformance-stats.ts';
import { describeSubmit } from './conformance-submit.ts';
import { describeWatchdogs } from './conformance-watchdogs.ts';
import { describeWhy } from './conformance-why.ts';
import { describeWorkers } from './conformance-workers.ts';
import { describeWorkflowStorage } from './conformance-workflows.ts';
import { describeWorkflowAdvance } from './conformance-workflows-advance.ts';

export type { StoreTarget } from './conformance-fixtures.ts';

export function describeStoreConformance(name: string, factory: () => StoreTarget): void {
  describe(`Store conformance: ${name}`, () => {
    const open: Store[] = [];
    const track = async (opening: Promise<Store>) => {
      const store = await opening;
      open.push(store);
      return store;
    };
    const ctx: ConformanceContext = {
      get dialect() {
        return factory().dialect;
      },
      fresh: () => track(factory().fresh()),
      reopen: () => track(factory().reopen()),
      exec: (statement) => factory().exec(statement),
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });

    describeSchema(ctx);
    describeSubmit(ctx);
    describeIdempotency(ctx);
    describeClaims(ctx);
    describeClaimFit(ctx);
    describePilotReports(ctx);
    describeJobSamples(ctx);
    describeJobCommands(ctx);
    describeLeases(ctx);
    describeRetryRules(ctx);
    describeWatchdogs(ctx);
    describePilots(ctx);
    describeLogs(ctx);
    describeListing(ctx);
    describeSignals(ctx);
    describeSites(ctx);
    describeWorkers(ctx);
    describeStats(ctx);
    describeRetention(ctx);
    describeWorkflowStorage(ctx);
    describeWorkflowAdvance(ctx);
    describeAuth(ctx);
    describeWhy(ctx);
  });
}
