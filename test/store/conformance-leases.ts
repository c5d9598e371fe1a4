// Conformance: the lease reaper fails jobs whose lease expired and loses their pilots,
// loses idle pilots that fell silent, and a restart grace pushes active leases out.

import { describe, expect, it } from 'vitest';
import { gracedLease, LeaseLostError } from '../../src/core/index.ts';
import {
  type ConformanceContext,
  claimedJob,
  LEASE_MS,
  registerPilot,
  runningJob,
  T0,
  withoutRetryRules,
} from './conformance-fixtures.ts';

export function describeLeases(ctx: ConformanceContext): void {
  describe('expireLeases', () => {
    it('fails jobs whose lease ran out as lost and marks their pilots lost (no retry rules)', async () => {
      const store = await withoutRetryRules(ctx.fresh());
      const { job: silent, pilot: gone } = await runningJob(store);
      const { job: alive, pilot: beating } = await claimedJob(store);
      await store.heartbeatJob({
        jobId: alive.id,
        pilotUuid: beating.uuid,
        attempt: 1,
        metrics: null,
        leaseMs: LEASE_MS,
        now: T0 + 20_000,
      });

      const now = T0 + LEASE_MS + 1;
      const { lostJobs, lostPilots } = await store.expireLeases(now, 0);
      expect(lostJobs.map((j) => j.id)).toEqual([silent.id]);
      expect(lostJobs[0]).toMatchObject({
        state: 'failed',
        errorName: 'lost',
        errorCode: 1400,
        endedAt: now,
        leaseExpiresAt: null,
      });
      expect(lostJobs[0]?.errorDiag).toContain(gone.uuid);
      expect(lostJobs[0]?.errorDiag).toContain(new Date(T0 + LEASE_MS).toISOString());
      expect(lostPilots.map((p) => [p.id, p.state, p.currentJobId])).toEqual([[gone.id, 'lost', null]]);

      const detail = await store.getJobDetail(silent.id);
      expect(detail?.events.at(-1)).toMatchObject({
        fromState: 'running',
        toState: 'failed',
        transition: 'lose',
        actor: 'reaper',
      });
      expect(detail?.attempts).toMatchObject([
        { attempt: 1, state: 'failed', errorName: 'lost', pilotId: gone.id },
      ]);
      expect(await store.getJob(alive.id)).toMatchObject({ state: 'dispatched' });
      expect(await store.getPilot(beating.id)).toMatchObject({ state: 'running' });

      const beat = {
        jobId: silent.id,
        pilotUuid: gone.uuid,
        attempt: 1,
        metrics: null,
        leaseMs: LEASE_MS,
        now,
      };
      await expect(store.heartbeatJob(beat)).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.expireLeases(now, 0)).toEqual({ lostJobs: [], lostPilots: [] });
    });

    it('marks idle pilots silent since the cut-off lost, and a lost pilot that calls again idle', async () => {
      const store = await ctx.fresh();
      const quiet = await registerPilot(store, {}, T0);
      const recent = await registerPilot(store, {}, T0 + 5000);
      const { pilot: busy } = await runningJob(store, T0);
      const { lostJobs, lostPilots } = await store.expireLeases(T0 + 6000, T0 + 1000);
      expect(lostJobs).toEqual([]);
      expect(lostPilots.map((p) => p.id)).toEqual([quiet.id]);
      expect((await store.getPilot(recent.id))?.state).toBe('idle');
      expect((await store.getPilot(busy.id))?.state).toBe('running');
      expect(await store.touchPilot(quiet.uuid, T0 + 7000)).toMatchObject({
        state: 'idle',
        lastSeenAt: T0 + 7000,
      });
    });
  });

  describe('graceActiveLeases', () => {
    it('pushes every active lease to at least the given time', async () => {
      const store = await ctx.fresh();
      const { job: a } = await runningJob(store);
      const { job: b, pilot } = await claimedJob(store);
      await store.heartbeatJob({
        jobId: b.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        metrics: null,
        leaseMs: 500_000,
        now: T0,
      });
      const until = T0 + 100_000;
      expect(await store.graceActiveLeases(until)).toBe(2);
      expect((await store.getJob(a.id))?.leaseExpiresAt).toBe(until);
      expect((await store.getJob(b.id))?.leaseExpiresAt).toBe(T0 + 500_000);
      expect((await store.expireLeases(until - 1, 0)).lostJobs).toEqual([]);
    });

    it('extends every active lease by an outage as core gracedLease says, and to at least the given time', async () => {
      const store = await ctx.fresh();
      const jobs = [];
      for (const leaseMs of [0, 80_000, 300_000]) {
        const { job, pilot } = await claimedJob(store);
        const ref = { jobId: job.id, pilotUuid: pilot.uuid, attempt: 1, metrics: null };
        if (leaseMs > 0) await store.heartbeatJob({ ...ref, leaseMs, now: T0 });
        jobs.push(job);
      }
      const before = await Promise.all(jobs.map(async (job) => (await store.getJob(job.id))?.leaseExpiresAt));
      expect(before).toEqual([T0 + LEASE_MS, T0 + 80_000, T0 + 300_000]);
      const grace = { until: T0 + 90_000, extendByMs: 40_000 };
      expect(await store.graceActiveLeases(grace.until, grace.extendByMs)).toBe(3);
      const after = await Promise.all(jobs.map(async (job) => (await store.getJob(job.id))?.leaseExpiresAt));
      expect(after).toEqual(before.map((expiry) => gracedLease(expiry ?? null, grace)));
      // 30 s + 40 s is short of a full period from now; 80 s + 40 s and 300 s + 40 s get the outage back.
      expect(after).toEqual([T0 + 90_000, T0 + 120_000, T0 + 340_000]);
    });
  });
}
