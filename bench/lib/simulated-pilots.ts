// Pilots without subprocesses: each claims over HTTP and reports `exited 0` at once, so the
// dispatcher (HTTP + store) is all that is measured. Claim latencies are recorded per request.

import { randomUUID } from 'node:crypto';
import type { P3sClient } from '../../src/protocol/client.ts';
import { preciseNow } from './stats.ts';

export interface DrainResult {
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  claimLatenciesMs: number[];
}

export async function registerSimulatedPilots(client: P3sClient, n: number): Promise<string[]> {
  const uuids: string[] = [];
  for (let i = 0; i < n; i++) {
    const uuid = `bench-${randomUUID()}`;
    await client.registerPilot({
      uuid,
      host: 'bench',
      site: null,
      pid: process.pid,
      batchId: null,
      jobTypes: [],
      version: 'bench',
      lifetime: 0,
    });
    uuids.push(uuid);
  }
  return uuids;
}

/** Runs the pilots until `target` jobs have been claimed and finished. */
export async function drainJobs(client: P3sClient, uuids: string[], target: number): Promise<DrainResult> {
  let done = 0;
  let claimed = 0;
  let finishedAt = 0;
  const latencies: number[] = [];
  const t0 = preciseNow();
  await Promise.all(
    uuids.map(async (uuid) => {
      while (claimed < target) {
        const before = preciseNow();
        const { job } = await client.claim(uuid, 1, 60);
        latencies.push(preciseNow() - before);
        if (!job) continue;
        claimed++;
        await client.finishJob(job.id, {
          pilot: uuid,
          attempt: job.attempt,
          outcome: { kind: 'exited', exitCode: 0 },
          metrics: null,
        });
        done++;
        // Idle pilots still in a long-poll when the last job ends must not count.
        if (done === target) finishedAt = preciseNow();
      }
    }),
  );
  const seconds = ((finishedAt || preciseNow()) - t0) / 1000;
  return { jobs: done, seconds, jobsPerSecond: done / seconds, claimLatenciesMs: latencies };
}

/** Submits `n` trivial jobs in batches (the API takes at most 10,000 per submission). */
export async function submitTrivialJobs(client: P3sClient, n: number, batch = 5000): Promise<void> {
  for (let i = 0; i < n; i += batch) {
    const size = Math.min(batch, n - i);
    await client.submitJobs(
      Array.from({ length: size }, (_, k) => ({ name: `sim-${i + k}`, payload: '/bin/true' })),
    );
  }
}
