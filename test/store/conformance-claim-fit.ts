// Conformance: a claim hands a pilot only jobs it can hold (core/job-fit.ts) — on every claim path
// (claimJob, the long-poll's touch-and-claim, fetch-next finishes alone and grouped) the job is
// the one pickJob picks among the jobs jobFitsPilot allows, on a random queue of requests.

import { describe, expect, it } from 'vitest';
import {
  type Job,
  type JobRequests,
  jobFitsPilot,
  type MatchCandidate,
  type Pilot,
  type PilotRegistration,
  pickJob,
} from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';
import {
  type ConformanceContext,
  LEASE_MS,
  pick,
  registerPilot,
  seededRandom,
  spec,
  T0,
} from './conformance-fixtures.ts';

type Offer = Pick<PilotRegistration, 'resources' | 'lifetimeLeft'>;

// From a pilot before 0013 (nothing sent) to small, large, partly unknown (0) and short-lived ones.
const OFFERS: Offer[] = [
  {},
  { resources: { memory: 1024, cores: 1, disk: 2000 }, lifetimeLeft: 700 },
  { resources: { memory: 4096, cores: 8, disk: 0 } },
  { resources: { memory: 0, cores: 2, disk: 100_000 }, lifetimeLeft: 3600 },
  { lifetimeLeft: 90 },
  { resources: { memory: 2048, cores: 4, disk: 50_000 }, lifetimeLeft: 400 },
];

type Modelled = MatchCandidate & JobRequests;

const requestsOf = (job: Job): JobRequests => ({
  memory: job.memory ?? null,
  cores: job.cores ?? null,
  disk: job.disk ?? null,
  timelimit: job.timelimit,
});

/** The job core picks for the pilot at `now`: pickJob among the jobs that fit it. */
function expectedFor(model: Modelled[], pilot: Pilot, now: number): Modelled | undefined {
  return pickJob(
    model.filter((job) => jobFitsPilot(job, pilot, now)),
    { site: pilot.site, jobTypes: pilot.jobTypes },
  );
}

async function randomQueue(store: Store, seed: number, count: number): Promise<Modelled[]> {
  const random = seededRandom(seed);
  const specs = Array.from({ length: count }, (_, i) =>
    spec({
      name: `f${i}`,
      priority: pick(random, [0, 0, 1, 3, 10]),
      timelimit: pick(random, [30, 60, 300, 600, 3600]),
      ...(random() < 0.5 ? { memory: pick(random, [512, 1024, 2048, 4096, 8192]) } : {}),
      ...(random() < 0.4 ? { cores: pick(random, [1, 2, 4, 16]) } : {}),
      ...(random() < 0.3 ? { disk: pick(random, [1000, 20_000, 200_000]) } : {}),
    }),
  );
  const jobs = await store.submitJobs(specs, 'alice', T0);
  return jobs.map((job) => ({ ...job, ...requestsOf(job) }));
}

export function describeClaimFit(ctx: ConformanceContext): void {
  describe('claims and what a pilot can hold', () => {
    it('stores what the pilot offers and when its lifetime ends by the server clock', async () => {
      const store = await ctx.fresh();
      const sent = await registerPilot(store, {
        resources: { memory: 1024, cores: 0, disk: 5000 },
        lifetimeLeft: 60,
      });
      expect(sent).toMatchObject({ memory: 1024, cores: null, disk: 5000, lifetimeEndsAt: T0 + 60_000 });
      const old = await registerPilot(store, { lifetime: 600 });
      expect(await store.getPilot(old.uuid)).toMatchObject({
        memory: null,
        cores: null,
        disk: null,
        lifetimeEndsAt: null,
      });
      // A pilot that registers again (the server forgot it) says anew what it has left.
      const again = await store.registerPilot({ ...registrationOf(sent), lifetimeLeft: 30 }, T0 + 20_000);
      expect(again.lifetimeEndsAt).toBe(T0 + 50_000);
    });

    it('picks what pickJob picks among the jobs that fit, on every claim path', async () => {
      const store = await ctx.fresh();
      const random = seededRandom(20261207);
      const model = await randomQueue(store, 7, 160);
      const pilots = await Promise.all(OFFERS.map((offer) => registerPilot(store, offer)));
      const held = new Map<number, Job>();
      let handed = 0;
      let passedOver = 0; // rounds in which the best job did not fit the pilot
      for (let round = 0; round < 200; round++) {
        const which = Math.floor(random() * pilots.length);
        const pilot = pilots[which] as Pilot;
        const now = T0 + round * 2000; // lifetimes run out as the rounds go
        const expected = expectedFor(model, pilot, now);
        if (expected?.id !== pickJob(model, { site: null, jobTypes: [] })?.id) passedOver += 1;
        const holding = held.get(pilot.id);
        const path = holding ? 'next' : random() < 0.5 ? 'claim' : 'touch';
        let got: Job | undefined;
        if (holding) {
          const input = {
            jobId: holding.id,
            pilotUuid: pilot.uuid,
            attempt: holding.attempt,
            metrics: null,
            now,
          };
          const done = await store.finishAndClaimJob(
            { ...input, outcome: { kind: 'exited', exitCode: 0 } },
            LEASE_MS,
          );
          got = done.next.claimed?.job;
        } else if (path === 'claim') {
          got = (await store.claimJob(pilot.uuid, { site: null, jobTypes: [] }, LEASE_MS, now))?.job;
        } else {
          got = (await store.touchAndClaimJob(pilot.uuid, LEASE_MS, now)).claimed?.job;
        }
        expect(got?.id, `round ${round}, pilot ${which} (${JSON.stringify(OFFERS[which])}), ${path}`).toBe(
          expected?.id,
        );
        if (got) {
          held.set(pilot.id, got);
          handed += 1;
          (expected as Modelled).state = 'dispatched';
        } else held.delete(pilot.id);
      }
      // The queue is rich enough that pilots both got jobs and were passed over for ones that did not fit.
      expect(handed).toBeGreaterThan(50);
      expect(passedOver).toBeGreaterThan(20);
    });

    it('hands pilots finishing together only jobs that fit each of them', async () => {
      const store = await ctx.fresh();
      await store.submitJobs(
        Array.from({ length: 11 }, (_, i) => spec({ name: `warm${i}`, priority: 100, timelimit: 10 })),
        'alice',
        T0,
      );
      await randomQueue(store, 11, 120);
      let handed = 0;
      // Pilots that offer the same resources claim as one group, though their lifetimes differ;
      // the others claim on their own. Pairs differ in one resource only, so a group that ignored
      // it would hand the smaller pilot a job too big for it.
      const offers: Offer[] = [
        { lifetimeLeft: 3600 },
        { lifetimeLeft: 90 },
        { resources: { memory: 0, cores: 2, disk: 100_000 }, lifetimeLeft: 3600 },
        { resources: { memory: 1024, cores: 2, disk: 100_000 }, lifetimeLeft: 3600 },
        {},
        { lifetimeLeft: 150 },
        { resources: { memory: 8192, cores: 0, disk: 0 } },
        { resources: { memory: 8192, cores: 1, disk: 0 } },
        { resources: { memory: 8192, cores: 16, disk: 0 } },
        { resources: { memory: 8192, cores: 16, disk: 1000 } },
        { lifetimeLeft: 600 },
      ];
      const pilots = await Promise.all(offers.map((offer) => registerPilot(store, offer)));
      const held: (Job | undefined)[] = await Promise.all(
        pilots.map(
          async (p) => (await store.claimJob(p.uuid, { site: null, jobTypes: [] }, LEASE_MS, T0))?.job,
        ),
      );
      for (let round = 1; round <= 12; round++) {
        const now = T0 + round * 15_000;
        // Each round the reports come in another order, so each pilot leads a group in turn.
        const order = pilots.map((_, i) => (i + round) % pilots.length);
        const done = await Promise.all(
          order.map((i) => {
            const [pilot, job] = [pilots[i] as Pilot, held[i]];
            if (!job) return store.touchAndClaimJob(pilot.uuid, LEASE_MS, now).then((next) => ({ next }));
            const input = { jobId: job.id, pilotUuid: pilot.uuid, attempt: job.attempt, metrics: null, now };
            return store.finishAndClaimJob({ ...input, outcome: { kind: 'exited', exitCode: 0 } }, LEASE_MS);
          }),
        );
        for (const [k, { next }] of done.entries()) {
          const i = order[k] as number;
          const job = next.claimed?.job;
          held[i] = job;
          if (!job) continue;
          handed += 1;
          const fits = jobFitsPilot(requestsOf(job), pilots[i] as Pilot, now);
          expect(
            fits,
            `round ${round}: job ${job.id} ${JSON.stringify(requestsOf(job))} to ${JSON.stringify(offers[i])}`,
          ).toBe(true);
        }
      }
      expect(handed).toBeGreaterThan(20);
    });
  });
}

function registrationOf(pilot: Pilot): PilotRegistration {
  const { uuid, host, site, pid, batchId, jobTypes, version, lifetime } = pilot;
  return { uuid, host, site, pid, batchId, jobTypes, version, lifetime };
}
