// Scenario 5: many running jobs heartbeating as fast as the server allows, while a probe
// pilot keeps claiming: heartbeats/s, heartbeat p99, and claim p99 under that load.

import { makeInstallation, type StoreKind } from '../lib/installation.ts';
import { registerSimulatedPilots, submitTrivialJobs } from '../lib/simulated-pilots.ts';
import { percentile, preciseNow } from '../lib/stats.ts';

export async function heartbeatLoad(kind: StoreKind, running: number, seconds: number, senders: number) {
  const inst = await makeInstallation(kind);
  try {
    await inst.start();
    await submitTrivialJobs(inst.client, running);
    const uuids = await registerSimulatedPilots(inst.client, running);
    const held: { id: number; pilot: string; attempt: number }[] = [];
    for (let i = 0; i < uuids.length; i += 64) {
      const batch = await Promise.all(uuids.slice(i, i + 64).map((uuid) => inst.client.claim(uuid, 0, 60)));
      batch.forEach((reply, k) => {
        if (reply.job)
          held.push({ id: reply.job.id, pilot: uuids[i + k] as string, attempt: reply.job.attempt });
      });
    }
    const [probe] = await registerSimulatedPilots(inst.client, 1);
    const beatLatencies: number[] = [];
    const claimLatencies: number[] = [];
    const deadline = preciseNow() + seconds * 1000;
    let next = 0;
    const t0 = preciseNow();
    const sender = async () => {
      while (preciseNow() < deadline) {
        const job = held[next++ % held.length] as (typeof held)[number];
        const before = preciseNow();
        await inst.pilotCalls.heartbeat(job.id, {
          pilot: job.pilot,
          attempt: job.attempt,
          metrics: { cpuSeconds: 1, rssKb: 1000, maxRssKb: 1000 },
        });
        beatLatencies.push(preciseNow() - before);
      }
    };
    const prober = async () => {
      while (preciseNow() < deadline) {
        const before = preciseNow();
        await inst.pilotCalls.claim(probe as string, 0, 60);
        claimLatencies.push(preciseNow() - before);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await Promise.all([...Array.from({ length: senders }, sender), prober()]);
    const elapsed = (preciseNow() - t0) / 1000;
    return {
      store: kind,
      running: held.length,
      senders,
      heartbeatsPerSecond: beatLatencies.length / elapsed,
      heartbeatP99Ms: percentile(beatLatencies, 99),
      claimP99Ms: percentile(claimLatencies, 99),
    };
  } finally {
    await inst.close();
  }
}
