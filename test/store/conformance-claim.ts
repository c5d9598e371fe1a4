// Conformance: claims follow core/matching.ts exactly (checked against pickJob on a random
// queue), dispatch the job to the pilot, and never hand a job out twice under concurrency.

import { describe, expect, it } from 'vitest';
import { AppError, type MatchCandidate, type MatchRequest, pickJob } from '../../src/core/index.ts';
import {
  ANY,
  type ConformanceContext,
  LEASE_MS,
  pick,
  registerPilot,
  seededRandom,
  spec,
  T0,
} from './conformance-fixtures.ts';

const SITES = [null, 'cern', 'fnal'] as const;
const TYPES = ['reco', 'sim', 'ana'] as const;
const REQUESTS: MatchRequest[] = [
  { site: null, jobTypes: [] },
  { site: 'cern', jobTypes: [] },
  { site: 'fnal', jobTypes: ['sim'] },
  { site: 'cern', jobTypes: ['reco', 'ana'] },
  { site: null, jobTypes: ['ana'] },
  { site: 'elsewhere', jobTypes: ['sim', 'reco'] },
];

export function describeClaims(ctx: ConformanceContext): void {
  describe('claimJob', () => {
    it('dispatches the job to the pilot with a lease and marks the pilot running', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec({ site: 'cern' })], 'alice', T0);
      const pilot = await registerPilot(store, { site: 'cern', host: 'wn42' });
      const claim = await store.claimJob(pilot.uuid, { site: 'cern', jobTypes: [] }, LEASE_MS, T0 + 5);
      expect(claim?.leaseExpiresAt).toBe(T0 + 5 + LEASE_MS);
      expect(claim?.job).toMatchObject({
        id: job!.id,
        state: 'dispatched',
        attempt: 1,
        pilotId: pilot.id,
        host: 'wn42',
        ranAtSite: 'cern',
        dispatchedAt: T0 + 5,
        leaseExpiresAt: T0 + 5 + LEASE_MS,
        killRequested: false,
      });
      expect(await store.getPilot(pilot.id)).toMatchObject({
        state: 'running',
        currentJobId: job!.id,
        lastSeenAt: T0 + 5,
      });
      const events = (await store.getJobDetail(job!.id))?.events ?? [];
      expect(events.at(-1)).toMatchObject({
        fromState: 'defined',
        toState: 'dispatched',
        transition: 'claim',
        actor: `pilot:${pilot.uuid}`,
        attempt: 1,
      });
    });

    it('returns null when no job is eligible', async () => {
      const store = await ctx.fresh();
      await store.submitJobs(
        [spec({ state: 'template' }), spec({ site: 'fnal' }), spec({ jobtype: 'sim' })],
        'a',
        T0,
      );
      const pilot = await registerPilot(store, { site: 'cern' });
      expect(await store.claimJob(pilot.uuid, { site: 'cern', jobTypes: ['reco'] }, LEASE_MS, T0)).toBeNull();
      expect(await store.getPilot(pilot.id)).toMatchObject({ state: 'idle', currentJobId: null });
    });

    it('picks the job core pickJob picks, claim after claim, on a random queue', async () => {
      const store = await ctx.fresh();
      const random = seededRandom(20240611);
      const specs = Array.from({ length: 240 }, (_, i) =>
        spec({
          name: `m${i}`,
          site: pick(random, SITES),
          jobtype: pick(random, TYPES),
          priority: pick(random, [-5, 0, 0, 1, 3, 10]),
          state: random() < 0.1 ? 'template' : 'defined',
        }),
      );
      const jobs = await store.submitJobs(specs, 'alice', T0);
      const model: MatchCandidate[] = jobs.map((j) => ({ ...j }));
      const pilots = await Promise.all(
        REQUESTS.map((r) => registerPilot(store, { site: r.site, jobTypes: [...r.jobTypes] })),
      );
      for (let round = 0; round < 260; round++) {
        const which = Math.floor(random() * REQUESTS.length);
        const request = REQUESTS[which]!;
        const expected = pickJob(model, request);
        const claim = await store.claimJob(pilots[which]!.uuid, request, LEASE_MS, T0 + round);
        expect(claim?.job.id, `round ${round}, request ${JSON.stringify(request)}`).toBe(expected?.id);
        if (expected) expected.state = 'dispatched';
      }
      expect(model.some((j) => j.state === 'dispatched')).toBe(true);
    });

    it('hands each job to exactly one of many concurrent claimers', async () => {
      const store = await ctx.fresh();
      const jobs = await store.submitJobs(
        Array.from({ length: 500 }, (_, i) => spec({ name: `c${i}`, priority: i % 5 })),
        'alice',
        T0,
      );
      const pilots = await Promise.all(Array.from({ length: 20 }, () => registerPilot(store)));
      const claimed = await Promise.all(
        pilots.map(async (pilot) => {
          const mine: number[] = [];
          for (;;) {
            const claim = await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0);
            if (!claim) return mine;
            expect(claim.job.pilotId).toBe(pilot.id);
            mine.push(claim.job.id);
          }
        }),
      );
      const all = claimed.flat().sort((a, b) => a - b);
      expect(all).toEqual(jobs.map((j) => j.id).sort((a, b) => a - b));
      expect(claimed.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
      expect((await store.summary()).jobs).toMatchObject({ defined: 0, dispatched: 500 });
    });

    it('refuses unknown and stopped pilots, and gives nothing to a pilot asked to stop', async () => {
      const store = await ctx.fresh();
      await store.submitJobs([spec()], 'alice', T0);
      const unknown = await store
        .claimJob('00000000-0000-4000-8000-000000000000', ANY, LEASE_MS, T0)
        .catch((e) => e);
      expect(unknown).toBeInstanceOf(AppError);
      expect(unknown.code).toBe('pilot_unknown');

      const stopping = await registerPilot(store);
      await store.requestPilotStop(stopping.uuid);
      expect(await store.claimJob(stopping.uuid, ANY, LEASE_MS, T0)).toBeNull();

      const stopped = await registerPilot(store);
      await store.deregisterPilot(stopped.uuid, T0);
      await expect(store.claimJob(stopped.uuid, ANY, LEASE_MS, T0)).rejects.toMatchObject({
        code: 'pilot_unknown',
      });
      expect((await store.summary()).jobs.defined).toBe(1);
    });
  });
}
