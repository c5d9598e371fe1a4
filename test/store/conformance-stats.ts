// Conformance: the monitor's aggregates (time series rebuilt from job events and pilots, failure
// groups, queue depth) and the job list's error and time-window filters.

import { describe, expect, it } from 'vitest';
import { type Job, type JobOutcome, type Pilot, windowBuckets } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';
import {
  ANY,
  type ConformanceContext,
  finish,
  LEASE_MS,
  registerPilot,
  spec,
  T0,
} from './conformance-fixtures.ts';

const MIN = 60_000;

/** Claims the next job for `pilot` and starts it at `at`. */
async function startNext(store: Store, pilot: Pilot, at: number): Promise<Job> {
  const claim = await store.claimJob(pilot.uuid, ANY, LEASE_MS, at);
  if (!claim) throw new Error('nothing to claim');
  await store.startJob({
    jobId: claim.job.id,
    pilotUuid: pilot.uuid,
    attempt: 1,
    pid: 1,
    metrics: null,
    leaseMs: LEASE_MS,
    now: at,
  });
  return claim.job;
}

async function ended(store: Store, outcome: JobOutcome, at: number, name = 'job'): Promise<Job> {
  await store.submitJobs([spec({ name })], 'alice', at - 2000);
  const pilot = await registerPilot(store, {}, at - 2000);
  const job = await startNext(store, pilot, at - 1000);
  return finish(store, job, pilot, outcome, at);
}

export function describeStats(ctx: ConformanceContext): void {
  describe('monitor statistics', () => {
    it('rebuilds finished and failed per bucket, running jobs and live pilots at each bucket end', async () => {
      const store = await ctx.fresh();
      const now = T0 + 37_000;
      const { from, bucketMs } = windowBuckets('hour', now);
      const bucket = (t: number) => Math.floor((t - from) / bucketMs);

      const gone = await registerPilot(store, {}, now - 30 * MIN);
      await store.deregisterPilot(gone.uuid, now - 25 * MIN);
      const p1 = await registerPilot(store, {}, now - 20 * MIN);
      const p2 = await registerPilot(store, {}, now - 9 * MIN);
      await store.submitJobs(
        [spec({ name: 'a' }), spec({ name: 'b' }), spec({ name: 'c' })],
        'alice',
        now - 21 * MIN,
      );
      const a = await startNext(store, p1, now - 10 * MIN);
      const b = await startNext(store, p2, now - 8 * MIN);
      await finish(store, a, p1, { kind: 'exited', exitCode: 0 }, now - 5 * MIN);
      await finish(store, b, p2, { kind: 'exited', exitCode: 2 }, now - 2 * MIN);
      await startNext(store, p1, now - 1 * MIN);

      const t = await store.stats.timeline('hour', now);
      expect(t).toMatchObject({ window: 'hour', bucketSeconds: 60, from, now });
      expect(t.points).toHaveLength(60);
      const at = (time: number) => t.points[bucket(time)]!;
      expect(t.points.reduce((n, p) => n + p.finished, 0)).toBe(1);
      expect(t.points.reduce((n, p) => n + p.failed, 0)).toBe(1);
      expect(at(now - 5 * MIN).finished).toBe(1);
      expect(at(now - 2 * MIN).failed).toBe(1);
      // Minutes before now → running jobs / live pilots at the end of that minute's bucket.
      expect([15, 10, 8, 5, 2, 1, 0].map((m) => at(now - m * MIN).running)).toEqual([0, 1, 2, 1, 0, 1, 1]);
      expect([31, 30, 25, 20, 9].map((m) => at(now - m * MIN).pilots)).toEqual([0, 1, 0, 1, 2]);
      expect(t.points.at(-1)).toMatchObject({ running: 1, pilots: 2 });
    });

    it('covers a day and a week in coarser buckets', async () => {
      const store = await ctx.fresh();
      await ended(store, { kind: 'exited', exitCode: 0 }, T0 - 3 * 3600_000);
      const day = await store.stats.timeline('day', T0);
      expect(day.points).toHaveLength(96);
      expect(day.points.reduce((n, p) => n + p.finished, 0)).toBe(1);
      const week = await store.stats.timeline('week', T0);
      expect(week.points).toHaveLength(168);
      expect((await store.stats.timeline('hour', T0)).points.reduce((n, p) => n + p.finished, 0)).toBe(0);
    });

    it('groups recent failures by error and diagnostic pattern, largest first', async () => {
      const store = await ctx.fresh();
      await ended(store, { kind: 'exited', exitCode: 3 }, T0 - 50 * MIN);
      const last = await ended(store, { kind: 'exited', exitCode: 3 }, T0 - 40 * MIN);
      await ended(store, { kind: 'exited', exitCode: 4 }, T0 - 30 * MIN);
      await ended(store, { kind: 'nonstarter', reason: 'cannot start /x: no such file' }, T0 - 20 * MIN);
      await ended(store, { kind: 'exited', exitCode: 0 }, T0 - 10 * MIN);
      await ended(store, { kind: 'exited', exitCode: 3 }, T0 - 3 * 3600_000);

      const { groups, total } = await store.stats.failures(T0 - 3600_000, 10);
      expect(total).toBe(4);
      expect(groups.map((g) => [g.errorName, g.errorCode, g.diagnostic, g.count])).toEqual([
        ['exit_code', 1100, 'payload exited with status 3', 2],
        ['nonstarter', 1300, 'cannot start /x: no such file', 1],
        ['exit_code', 1100, 'payload exited with status 4', 1],
      ]);
      expect(groups[0]).toMatchObject({
        lastJobId: last.id,
        lastAt: T0 - 40 * MIN,
        example: 'payload exited with status 3',
      });
      expect((await store.stats.failures(T0 - 3600_000, 1)).groups).toHaveLength(1);
      expect(await store.stats.failures(T0, 10)).toEqual({ groups: [], total: 0 });
    });

    it('counts waiting, dispatched and running jobs by type and requested site', async () => {
      const store = await ctx.fresh();
      await store.submitJobs(
        [
          spec({ jobtype: 'reco', site: 'cern' }),
          spec({ jobtype: 'reco', site: 'cern' }),
          spec({ jobtype: 'reco' }),
          spec({ jobtype: 'calib', state: 'template' }),
        ],
        'alice',
        T0,
      );
      const pilot = await registerPilot(store, { site: 'cern' });
      await store.claimJob(pilot.uuid, { site: 'cern', jobTypes: [] }, LEASE_MS, T0);
      const other = await registerPilot(store);
      await startNext(store, other, T0);
      expect(await store.stats.queueDepth()).toEqual([
        { jobtype: 'reco', site: 'cern', defined: 1, dispatched: 1, running: 0 },
        { jobtype: 'reco', site: null, defined: 0, dispatched: 0, running: 1 },
      ]);
    });

    it('counts every job by state, site and type, the oldest waiting one, and pilots by state and site', async () => {
      const store = await ctx.fresh();
      await store.submitJobs([spec({ jobtype: 'reco', site: 'cern' })], 'alice', T0);
      await store.submitJobs(
        [spec({ jobtype: 'reco', site: 'cern' }), spec({ jobtype: 'calib', state: 'template' })],
        'alice',
        T0 + 5000,
      );
      await ended(store, { kind: 'exited', exitCode: 3 }, T0 + 9000);
      const byKey = <T extends { state: string; site: string | null }>(rows: T[], key: (r: T) => string) =>
        Object.fromEntries(rows.map((r) => [key(r), r]));
      const snapshot = await store.stats.metricsSnapshot();
      const jobs = byKey(snapshot.jobs, (r) => `${r.state} ${r.site} ${r.jobtype}`);
      expect(Object.keys(jobs).sort()).toEqual([
        'defined cern reco',
        'failed null default',
        'template null calib',
      ]);
      expect(jobs['defined cern reco']).toMatchObject({ count: 2, oldestDefinedAt: T0 });
      expect(jobs['template null calib']).toMatchObject({ count: 1, oldestDefinedAt: null });
      expect(jobs['failed null default']).toMatchObject({ count: 1, oldestDefinedAt: null });
      await registerPilot(store, { site: 'cern' });
      const gone = await registerPilot(store, { site: 'cern' });
      await store.deregisterPilot(gone.uuid, T0 + 10_000);
      const pilots = (await store.stats.metricsSnapshot()).pilots.map(
        (r) => `${r.state} ${r.site} ${r.count}`,
      );
      // The pilot that ran the failed job (no site) is idle.
      expect(pilots.sort()).toEqual(['idle cern 1', 'idle null 1', 'stopped cern 1']);
    });
  });

  describe('job list filters for the monitor', () => {
    it('filters by error name and by a time window on created, updated or ended', async () => {
      const store = await ctx.fresh();
      const exit3 = await ended(store, { kind: 'exited', exitCode: 3 }, T0 + 10 * MIN, 'x');
      const fine = await ended(store, { kind: 'exited', exitCode: 0 }, T0 + 20 * MIN, 'y');
      const lost = await ended(store, { kind: 'nonstarter', reason: 'no' }, T0 + 30 * MIN, 'z');
      const list = async (filter: Parameters<Store['listJobs']>[0]['filter']) =>
        (await store.listJobs({ filter, sort: 'id', order: 'asc', limit: 10, offset: 0 })).jobs.map(
          (j) => j.id,
        );
      expect(await list({ errorName: 'exit_code' })).toEqual([exit3.id]);
      expect(await list({ errorName: 'nonstarter' })).toEqual([lost.id]);
      expect(await list({ window: { field: 'ended', since: T0 + 15 * MIN } })).toEqual([fine.id, lost.id]);
      expect(await list({ window: { field: 'ended', since: T0 + 15 * MIN, until: T0 + 25 * MIN } })).toEqual([
        fine.id,
      ]);
      expect(await list({ window: { field: 'created', until: T0 + 15 * MIN } })).toEqual([exit3.id]);
      expect(await list({ window: { field: 'updated', since: T0 + 25 * MIN } })).toEqual([lost.id]);
      expect(
        await list({ errorName: 'exit_code', window: { field: 'ended', since: T0 + 15 * MIN } }),
      ).toEqual([]);
    });
  });
}
