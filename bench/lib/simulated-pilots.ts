// Pilots without subprocesses: each claims over HTTP and reports `exited 0` at once, so the
// dispatcher (HTTP + store) is all that is measured. Claim latencies are recorded per request.

import { randomUUID } from 'node:crypto';
import type { P3sClient } from '../../src/protocol/client.ts';
import type { DispatchedJob } from '../../src/protocol/schemas/pilots.ts';
import type { PilotCalls } from './light-client.ts';
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

/**
 * Runs the pilots until `target` jobs have been claimed and finished. With `fetchNext` (as real
 * pilots do) each finish also claims the pilot's next job; a plain claim long-poll follows only
 * when it brought none. Claim latencies are those of every request that answered a claim.
 */
export async function drainJobs(
  client: Pick<PilotCalls, 'claim' | 'finishJob'>,
  uuids: string[],
  target: number,
  { fetchNext = true }: { fetchNext?: boolean } = {},
): Promise<DrainResult> {
  let done = 0;
  let claimed = 0;
  let finishedAt = 0;
  const latencies: number[] = [];
  const t0 = preciseNow();
  await Promise.all(
    uuids.map(async (uuid) => {
      let handed: DispatchedJob | null = null;
      while (claimed < target) {
        let job = handed;
        handed = null;
        if (!job) {
          const before = preciseNow();
          job = (await client.claim(uuid, 1, 60)).job;
          latencies.push(preciseNow() - before);
          if (!job) continue;
        }
        claimed++;
        const before = preciseNow();
        const reply = await client.finishJob(job.id, {
          pilot: uuid,
          attempt: job.attempt,
          outcome: { kind: 'exited', exitCode: 0 },
          metrics: null,
          ...(fetchNext ? { next: { beat: 60 } } : {}),
        });
        if (reply.next) latencies.push(preciseNow() - before);
        handed = reply.next?.job ?? null;
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
