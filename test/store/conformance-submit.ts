// Conformance: submission stores all jobs or none, in input order, each with a submit event.

import { describe, expect, it } from 'vitest';
import { type ConformanceContext, spec, T0 } from './conformance-fixtures.ts';

export function describeSubmit(ctx: ConformanceContext): void {
  describe('submitJobs', () => {
    it('returns the jobs in input order with their fields, ids and uuids', async () => {
      const store = await ctx.fresh();
      const specs = [
        spec({ name: 'first', env: { A: '1' }, priority: 3, timelimit: 50, site: 'cern', jobtype: 'reco' }),
        spec({ name: 'second', state: 'template' }),
        spec({ name: 'third' }),
      ];
      const jobs = await store.submitJobs(specs, 'alice', T0);
      expect(jobs.map((j) => j.name)).toEqual(['first', 'second', 'third']);
      expect(jobs.map((j) => j.state)).toEqual(['defined', 'template', 'defined']);
      expect(jobs[0]).toMatchObject({
        user: 'alice',
        env: { A: '1' },
        priority: 3,
        timelimit: 50,
        site: 'cern',
        jobtype: 'reco',
        attempt: 1,
        workflowId: null,
        pilotId: null,
        killRequested: false,
        createdAt: T0,
        definedAt: T0,
        updatedAt: T0,
      });
      expect(jobs[1]?.definedAt).toBeNull();
      expect(jobs[0]!.id).toBeLessThan(jobs[1]!.id);
      expect(jobs[1]!.id).toBeLessThan(jobs[2]!.id);
      expect(new Set(jobs.map((j) => j.uuid)).size).toBe(3);
      expect(await store.getJob(jobs[2]!.id)).toEqual(jobs[2]);
    });

    it('keeps input order across a large submission', async () => {
      const store = await ctx.fresh();
      const specs = Array.from({ length: 1234 }, (_, i) => spec({ name: `n${i}`, priority: i % 7 }));
      const jobs = await store.submitJobs(specs, 'alice', T0);
      expect(jobs.map((j) => j.name)).toEqual(specs.map((s) => s.name));
      expect((await store.summary()).jobs.defined).toBe(1234);
    });

    it('records a submit event with no previous state', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec({ state: 'template' })], 'bob', T0);
      const detail = await store.getJobDetail(job!.id);
      expect(detail?.events).toEqual([
        {
          id: expect.any(Number),
          jobId: job!.id,
          attempt: 1,
          at: T0,
          fromState: null,
          toState: 'template',
          transition: 'submit',
          actor: 'bob',
          detail: null,
        },
      ]);
      expect(detail?.attempts).toEqual([]);
    });

    it('stores nothing when any job cannot be stored', async () => {
      const store = await ctx.fresh();
      // The NOT NULL name column refuses the last job, which lands in a later INSERT than the first ones.
      const bad = { ...spec(), name: null as unknown as string };
      const specs = [spec({ name: 'good' }), ...Array.from({ length: 600 }, () => spec()), bad];
      await expect(store.submitJobs(specs, 'alice', T0)).rejects.toThrow();
      expect((await store.summary()).jobs.total).toBe(0);
      expect(
        (await store.listJobs({ filter: {}, sort: 'id', order: 'asc', limit: 10, offset: 0 })).total,
      ).toBe(0);
    });

    it('returns undefined for a job that does not exist', async () => {
      const store = await ctx.fresh();
      expect(await store.getJob(12345)).toBeUndefined();
      expect(await store.getJobDetail(12345)).toBeUndefined();
    });
  });
}
