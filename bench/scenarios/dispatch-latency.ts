// Scenario 1: from the submit call returning to the payload process running, one job at a
// time with pilots idle in their long-poll. Baseline: spawning the same payload from Node.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../test/helpers/processes.ts';
import { makeInstallation, type StoreKind } from '../lib/installation.ts';
import { median, percentile, preciseNow } from '../lib/stats.ts';

const STAMP_SCRIPT = join(import.meta.dirname, '..', 'payloads', 'stamp.sh');
const WARMUP = 5;

function readStampMs(file: string): number {
  return Number(readFileSync(file, 'utf8').trim()) / 1e6;
}

async function waitForFile(file: string): Promise<void> {
  while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** The floor: Node spawning the payload directly, measured the same way. */
export async function spawnBaseline(dir: string, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs + WARMUP; i++) {
    const stamp = join(dir, `baseline-${i}`);
    const t0 = preciseNow();
    const child = spawn(STAMP_SCRIPT, [], { env: { ...process.env, STAMP: stamp }, stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    if (i >= WARMUP) samples.push(readStampMs(stamp) - t0);
    rmSync(stamp, { force: true });
  }
  return samples;
}

export async function dispatchLatency(kind: StoreKind, jobs: number) {
  const inst = await makeInstallation(kind);
  try {
    await inst.start();
    inst.startPilots(2, ['-c', '0', '-p', '60', '-b', '5']);
    await inst.waitForIdlePilots(2);
    const samples: number[] = [];
    for (let i = 0; i < jobs + WARMUP; i++) {
      const stamp = join(inst.dataDir, `stamp-${i}`);
      const {
        jobs: [job],
      } = await inst.client.submitJobs([
        { name: `latency-${i}`, payload: STAMP_SCRIPT, env: { STAMP: stamp } },
      ]);
      const submitted = preciseNow();
      await waitForFile(stamp);
      if (i >= WARMUP) samples.push(readStampMs(stamp) - submitted);
      // Let the pilot report and return to its long-poll before the next submission.
      await waitFor(
        'job finished',
        async () => (await inst.client.getJob(job!.id)).job.state === 'finished',
        30_000,
        2,
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    const baseline = await spawnBaseline(inst.dataDir, jobs);
    return {
      store: kind,
      jobs,
      medianMs: median(samples),
      p99Ms: percentile(samples, 99),
      baselineMedianMs: median(baseline),
      baselineP99Ms: percentile(baseline, 99),
      ratioToBaseline: median(samples) / median(baseline),
    };
  } finally {
    await inst.close();
  }
}
