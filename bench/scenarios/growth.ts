// Scenario 4: claim throughput and p99 claim latency with a deep queue already in place.

import { bulkLoadDefinedJobs } from '../lib/bulk-load.ts';
import { makeInstallation, rssKb, type StoreKind } from '../lib/installation.ts';
import { drainJobs, registerSimulatedPilots } from '../lib/simulated-pilots.ts';
import { percentile } from '../lib/stats.ts';

export async function growth(kind: StoreKind, depth: number, claims: number, pilots: number) {
  const inst = await makeInstallation(kind);
  try {
    await bulkLoadDefinedJobs(inst, depth);
    const server = await inst.start();
    const uuids = await registerSimulatedPilots(inst.client, pilots);
    const result = await drainJobs(inst.pilotCalls, uuids, Math.min(claims, depth));
    // The summary and first list page at this depth, as an operator would ask for them.
    await inst.client.summary();
    await inst.client.listJobs({ limit: 50 });
    return {
      store: kind,
      depth,
      claims: result.jobs,
      pilots,
      jobsPerSecond: result.jobsPerSecond,
      claimP99Ms: percentile(result.claimLatenciesMs, 99),
      serverRssMb: (await rssKb(server.child.pid as number)) / 1024,
    };
  } finally {
    await inst.close();
  }
}
