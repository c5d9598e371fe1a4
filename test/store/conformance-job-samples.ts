// Conformance: heartbeats of a running job leave memory/CPU samples (job_samples) at the
// allowed rate (core/job-samples.ts), whichever path the dialect takes, thinned at the limit,
// read with the job's detail and deleted with the job.

import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES, SAMPLE_INTERVAL_MS } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';
import { type ConformanceContext, finish, LEASE_MS, runningJob, T0 } from './conformance-fixtures.ts';

type Running = Awaited<ReturnType<typeof runningJob>>;

/** A heartbeat at T0 + `ms` whose metrics encode the time (RSS = ms, CPU = ms / 1000). */
const beat = (store: Store, { job, pilot }: Running, ms: number, metrics = true) =>
  store.heartbeatJob({
    jobId: job.id,
    pilotUuid: pilot.uuid,
    attempt: job.attempt,
    metrics: metrics ? { cpuSeconds: ms / 1000, rssKb: ms, maxRssKb: ms } : null,
    leaseMs: LEASE_MS,
    now: T0 + ms,
  });

const sampleTimes = async (store: Store, jobId: number) =>
  ((await store.getJobDetail(jobId))?.samples ?? []).map((s) => s.at - T0);

export function describeJobSamples(ctx: ConformanceContext): void {
  describe('job samples', () => {
    it('keeps one sample per interval of a job heartbeating every second', async () => {
      const store = await ctx.fresh();
      const running = await runningJob(store);
      for (let ms = 1000; ms <= 20_000; ms += 1000) await beat(store, running, ms);
      expect(SAMPLE_INTERVAL_MS).toBe(5000);
      expect(await sampleTimes(store, running.job.id)).toEqual([1000, 6000, 11_000, 16_000]);
      const [first] = (await store.getJobDetail(running.job.id))?.samples ?? [];
      expect(first).toEqual({ at: T0 + 1000, rssKb: 1000, pssKb: null, cpuSeconds: 1 });
    });

    it('stores no sample for a heartbeat without metrics', async () => {
      const store = await ctx.fresh();
      const running = await runningJob(store);
      await beat(store, running, 1000, false);
      await beat(store, running, 7000, false);
      expect(await sampleTimes(store, running.job.id)).toEqual([]);
      await beat(store, running, 8000);
      expect(await sampleTimes(store, running.job.id)).toEqual([8000]);
    });

    it('keeps the rate across a server restart (what is stored decides, not memory)', async () => {
      const store = await ctx.fresh();
      const running = await runningJob(store);
      await beat(store, running, 1000);
      const again = await ctx.reopen();
      await beat(again, running, 2000);
      await beat(again, running, 6000);
      expect(await sampleTimes(again, running.job.id)).toEqual([1000, 6000]);
    });

    it('thins an attempt at the limit, keeping its first and last samples', async () => {
      const store = await ctx.fresh();
      const running = await runningJob(store);
      for (let i = 0; i <= MAX_SAMPLES; i++) await beat(store, running, 1000 + i * SAMPLE_INTERVAL_MS);
      const times = await sampleTimes(store, running.job.id);
      expect(times.length).toBeLessThanOrEqual(MAX_SAMPLES);
      expect(times.length).toBeGreaterThan(MAX_SAMPLES / 2);
      expect(times[0]).toBe(1000);
      expect(times.at(-1)).toBe(1000 + MAX_SAMPLES * SAMPLE_INTERVAL_MS);
    });

    it('deletes the samples with the job', async () => {
      const store = await ctx.fresh();
      const running = await runningJob(store);
      await beat(store, running, 1000);
      await finish(store, running.job, running.pilot, { kind: 'exited', exitCode: 0 }, T0 + 2000);
      expect(await sampleTimes(store, running.job.id)).toEqual([1000]);
      await store.deleteJob(running.job.id, 'alice');
      expect(await store.getJobDetail(running.job.id)).toBeUndefined();
    });

    it('purges the samples with the job', async () => {
      const store = await ctx.fresh();
      const running = await runningJob(store);
      await beat(store, running, 1000);
      await finish(store, running.job, running.pilot, { kind: 'exited', exitCode: 0 }, T0 + 2000);
      const purged = await store.retention.purge({
        what: 'jobs',
        before: T0 + 60_000,
        states: ['finished'],
        afterId: 0,
        limit: 10,
        dryRun: false,
        withRecords: false,
      });
      expect(purged.ids).toEqual([running.job.id]);
      expect(await store.getJobDetail(running.job.id)).toBeUndefined();
    });
  });
}
