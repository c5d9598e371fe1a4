// Conformance: job listing (every filter, glob names with LIKE metacharacters, sort keys,
// order, paging, total) and the summary counts.

import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/index.ts';
import type { JobListQuery, Store } from '../../src/store/index.ts';
import {
  ANY,
  type ConformanceContext,
  finish,
  LEASE_MS,
  registerPilot,
  spec,
  T0,
} from './conformance-fixtures.ts';

async function ids(store: Store, query: Partial<JobListQuery> & { filter?: JobListQuery['filter'] }) {
  const { jobs, total } = await store.listJobs({
    filter: {},
    sort: 'id',
    order: 'asc',
    limit: 100,
    offset: 0,
    ...query,
  });
  return { ids: jobs.map((j) => j.id), total };
}

export function describeListing(ctx: ConformanceContext): void {
  describe('listJobs', () => {
    it('filters by ids, states, user, jobtype, workflow and pilot', async () => {
      const store = await ctx.fresh();
      const [a, b] = await store.submitJobs(
        [spec({ jobtype: 'reco' }), spec({ state: 'template' })],
        'alice',
        T0,
      );
      const [c] = await store.submitJobs([spec({ jobtype: 'reco', priority: -1 })], 'bob', T0);
      const pilot = await registerPilot(store);
      await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0);
      expect(await ids(store, { filter: { ids: [a!.id, c!.id, 999] } })).toEqual({
        ids: [a!.id, c!.id],
        total: 2,
      });
      expect(await ids(store, { filter: { ids: [] } })).toEqual({ ids: [], total: 0 });
      expect(await ids(store, { filter: { states: ['template', 'defined'] } })).toEqual({
        ids: [b!.id, c!.id],
        total: 2,
      });
      expect(await ids(store, { filter: { user: 'alice' } })).toEqual({ ids: [a!.id, b!.id], total: 2 });
      expect(await ids(store, { filter: { jobtype: 'reco', user: 'bob' } })).toEqual({
        ids: [c!.id],
        total: 1,
      });
      expect(await ids(store, { filter: { pilotId: pilot.id } })).toEqual({ ids: [a!.id], total: 1 });
      expect(await ids(store, { filter: { workflowId: 1 } })).toEqual({ ids: [], total: 0 });
    });

    it('matches a site against the requested site or the site the job ran at', async () => {
      const store = await ctx.fresh();
      const [bound, free, elsewhere] = await store.submitJobs(
        [spec({ site: 'cern', priority: 2 }), spec({ priority: 1 }), spec({ site: 'fnal' })],
        'alice',
        T0,
      );
      const pilot = await registerPilot(store, { site: 'cern' });
      await store.claimJob(pilot.uuid, { site: 'cern', jobTypes: [] }, LEASE_MS, T0);
      await store.claimJob(pilot.uuid, { site: 'cern', jobTypes: [] }, LEASE_MS, T0);
      expect(await ids(store, { filter: { site: 'cern' } })).toEqual({
        ids: [bound!.id, free!.id],
        total: 2,
      });
      expect(await ids(store, { filter: { site: 'fnal' } })).toEqual({ ids: [elsewhere!.id], total: 1 });
    });

    it('matches names by a case-insensitive glob where % _ and \\ are plain characters', async () => {
      const store = await ctx.fresh();
      const names = ['reco_1', 'recox1', 'Reco-2', '100%', '1000', 'a\\b', 'ab'];
      const jobs = await store.submitJobs(
        names.map((name) => spec({ name })),
        'alice',
        T0,
      );
      const named = async (namePattern: string) =>
        (await ids(store, { filter: { namePattern } })).ids.map((id) => jobs.find((j) => j.id === id)?.name);
      expect(await named('reco*')).toEqual(['reco_1', 'recox1', 'Reco-2']);
      expect(await named('reco_1')).toEqual(['reco_1']);
      expect(await named('RECO?1')).toEqual(['reco_1', 'recox1']);
      expect(await named('*%')).toEqual(['100%']);
      expect(await named('a\\b')).toEqual(['a\\b']);
      expect(await named('*')).toEqual(names);
    });

    it('sorts by each allowed key in both orders, ties by id in the same order, with paging and total', async () => {
      const store = await ctx.fresh();
      const jobs = await store.submitJobs(
        [
          spec({ name: 'c', priority: 1, jobtype: 't2' }),
          spec({ name: 'a', priority: 5, jobtype: 't1' }),
          spec({ name: 'b', priority: 1, jobtype: 't3' }),
        ],
        'alice',
        T0,
      );
      const [c, a, b] = jobs as [Job, Job, Job];
      expect((await ids(store, { sort: 'priority', order: 'desc' })).ids).toEqual([a.id, b.id, c.id]);
      expect((await ids(store, { sort: 'priority', order: 'asc' })).ids).toEqual([c.id, b.id, a.id]);
      expect((await ids(store, { sort: 'name', order: 'asc' })).ids).toEqual([a.id, b.id, c.id]);
      expect((await ids(store, { sort: 'jobtype', order: 'desc' })).ids).toEqual([b.id, c.id, a.id]);
      expect((await ids(store, { sort: 'id', order: 'desc' })).ids).toEqual([b.id, a.id, c.id]);
      expect(await ids(store, { sort: 'name', order: 'asc', limit: 2, offset: 1 })).toEqual({
        ids: [b.id, c.id],
        total: 3,
      });

      const pilot = await registerPilot(store);
      const claim = await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0);
      await store.startJob({
        jobId: a.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        pid: 1,
        metrics: null,
        leaseMs: LEASE_MS,
        now: T0,
      });
      await finish(store, claim!.job, pilot, { kind: 'exited', exitCode: 0 }, T0 + 5);
      // Jobs that have not started or ended yet sort last in either order.
      expect((await ids(store, { sort: 'started', order: 'desc' })).ids).toEqual([a.id, b.id, c.id]);
      expect((await ids(store, { sort: 'ended', order: 'asc' })).ids).toEqual([a.id, c.id, b.id]);
      for (const sort of ['created', 'state', 'user'] as const) {
        expect((await ids(store, { sort, order: 'asc' })).total).toBe(3);
      }
    });

    it('pages a nullable sort with jobs that have not ended last, in both orders and under a filter', async () => {
      const store = await ctx.fresh();
      // Priorities make the three claims take jobs 2, 4 and 5; 1, 3 and 6 never end.
      const priorities = [0, 9, 0, 8, 7, 0];
      await store.submitJobs(
        priorities.map((priority, i) =>
          spec({ name: `j${i + 1}`, priority, jobtype: i === 4 ? 'sim' : 'reco' }),
        ),
        'alice',
        T0,
      );
      const endedAt: Record<number, number> = { 2: T0 + 20, 4: T0 + 10, 5: T0 + 10 };
      for (let i = 0; i < 3; i++) {
        const pilot = await registerPilot(store);
        const claim = await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0);
        await finish(store, claim!.job, pilot, { kind: 'exited', exitCode: 0 }, endedAt[claim!.job.id]);
      }
      const expected = {
        asc: [4, 5, 2, 1, 3, 6],
        desc: [2, 5, 4, 6, 3, 1],
      };
      for (const order of ['asc', 'desc'] as const) {
        const all = expected[order];
        const pages: [limit: number, offset: number][] = [
          [2, 0],
          [2, 2],
          [2, 4],
          [4, 1],
          [3, 3],
          [10, 0],
          [2, 6],
        ];
        for (const [limit, offset] of pages) {
          expect(
            (await ids(store, { sort: 'ended', order, limit, offset })).ids,
            `${order} ${limit}@${offset}`,
          ).toEqual(all.slice(offset, offset + limit));
        }
        const reco = all.filter((id) => id !== 5);
        expect(
          await ids(store, { sort: 'ended', order, limit: 2, offset: 1, filter: { jobtype: 'reco' } }),
        ).toEqual({
          ids: reco.slice(1, 3),
          total: 5,
        });
      }
    });

    it('counts only up to countUpTo when asked, and says whether more match', async () => {
      const store = await ctx.fresh();
      await store.submitJobs(
        Array.from({ length: 5 }, (_, i) => spec({ name: `n${i}`, jobtype: i < 4 ? 'reco' : 'sim' })),
        'alice',
        T0,
      );
      const page = (countUpTo: number | undefined, filter: JobListQuery['filter'] = {}, offset = 0) =>
        store.listJobs({ filter, sort: 'id', order: 'desc', limit: 2, offset, countUpTo });
      expect(await page(undefined)).toMatchObject({ total: 5, totalExact: true });
      expect(await page(3)).toMatchObject({ total: 3, totalExact: false });
      expect(await page(4)).toMatchObject({ total: 4, totalExact: false });
      expect(await page(5)).toMatchObject({ total: 5, totalExact: true });
      expect(await page(100)).toMatchObject({ total: 5, totalExact: true });
      expect(await page(3, { jobtype: 'reco' })).toMatchObject({ total: 3, totalExact: false });
      expect(await page(4, { jobtype: 'reco' })).toMatchObject({ total: 4, totalExact: true });
      expect(await page(1, { jobtype: 'sim' })).toMatchObject({ total: 1, totalExact: true });
      // The bound does not change the page itself, nor paging beyond the bound.
      const capped = await page(1, {}, 3);
      expect(capped.jobs.map((j) => j.name)).toEqual(['n1', 'n0']);
      expect(capped).toMatchObject({ total: 1, totalExact: false });
      expect(await page(2, { states: [] })).toMatchObject({ jobs: [], total: 0, totalExact: true });
    });
  });

  describe('summary', () => {
    it('counts jobs and pilots in every state, zeros included', async () => {
      const store = await ctx.fresh();
      expect(await store.summary()).toEqual({
        jobs: {
          template: 0,
          defined: 0,
          dispatched: 0,
          running: 0,
          finished: 0,
          failed: 0,
          cancelled: 0,
          total: 0,
        },
        pilots: { idle: 0, running: 0, stopped: 0, lost: 0, total: 0 },
      });
      await store.submitJobs([spec(), spec(), spec({ state: 'template' })], 'alice', T0);
      const pilot = await registerPilot(store);
      await registerPilot(store);
      await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0);
      expect(await store.summary()).toEqual({
        jobs: {
          template: 1,
          defined: 1,
          dispatched: 1,
          running: 0,
          finished: 0,
          failed: 0,
          cancelled: 0,
          total: 3,
        },
        pilots: { idle: 1, running: 1, stopped: 0, lost: 0, total: 2 },
      });
    });
  });
}
