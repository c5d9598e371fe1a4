// Scenario 2: end-to-end throughput, N jobs of /bin/true on 8 real pilots, from the submit
// call returning to the last `finished`. Baseline: one Node process spawning and awaiting
// the same processes with the same parallelism.

import { spawn } from 'node:child_process';
import { makeInstallation, type StoreKind } from '../lib/installation.ts';
import { preciseNow } from '../lib/stats.ts';

export async function spawnThroughputBaseline(jobs: number, parallelism: number): Promise<number> {
  let next = 0;
  const t0 = preciseNow();
  const worker = async () => {
    while (next < jobs) {
      next++;
      const child = spawn('/bin/true', [], { stdio: 'ignore' });
      await new Promise((resolve) => child.once('exit', resolve));
    }
  };
  await Promise.all(Array.from({ length: parallelism }, worker));
  return jobs / ((preciseNow() - t0) / 1000);
}

export async function throughput(kind: StoreKind, jobs: number, pilots: number) {
  const inst = await makeInstallation(kind);
  try {
    await inst.start();
    inst.startPilots(pilots, ['-c', '0', '-p', '60', '-b', '5']);
    await inst.waitForIdlePilots(pilots);
    const specs = Array.from({ length: jobs }, (_, i) => ({ name: `true-${i}`, payload: '/bin/true' }));
    await inst.client.submitJobs(specs);
    const t0 = preciseNow();
    for (;;) {
      const { jobs: counts } = await inst.client.summary();
      if ((counts.finished ?? 0) + (counts.failed ?? 0) >= jobs) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const jobsPerSecond = jobs / ((preciseNow() - t0) / 1000);
    const baseline = await spawnThroughputBaseline(jobs, pilots);
    return {
      store: kind,
      jobs,
      pilots,
      jobsPerSecond,
      baselineJobsPerSecond: baseline,
      ratioToBaseline: jobsPerSecond / baseline,
    };
  } finally {
    await inst.close();
  }
}
