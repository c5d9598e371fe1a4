// The one-statement PostgreSQL finish and finish-with-claim (store/finish-postgres.ts) on their own:
// they end a job its pilot holds, with the same records as the general path, claim the next job as
// a claim would, and match nothing — changing nothing — in every case the general path has to
// handle or explain. The conformance suite runs them through the store's verbs; this file checks
// that they really take the common case.

import { describe, expect, it } from 'vitest';
import type { Ending, SoloFinish } from '../../src/store/dialect.ts';
import { finishSoloJobsPostgres } from '../../src/store/postgres/finish.ts';
import { attemptTimes } from '../../src/store/reports/finish.ts';
import type { FinishInput } from '../../src/store/store.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { claimedJob, LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';
import { createWorkflow, makeDag } from './conformance-workflow-fixtures.ts';
import { usePostgresStore } from './postgres-store-fixture.ts';

/** An ending without its times: the tests' reports add theirs (attemptTimes), as endingOf does. */
type Untimed<T> = Omit<T, 'ending'> & { ending: Omit<Ending, 'endedAt' | 'startedAt' | 'unreportedStartAt'> };
const timed = (finish: Untimed<SoloFinish>): SoloFinish => ({
  ...finish,
  ending: { ...finish.ending, ...attemptTimes(finish.input) },
});

const FINISHED: Untimed<SoloFinish>['ending'] = {
  state: 'finished',
  transition: 'finish',
  actor: 'pilot:test',
  set: { exit_code: 0, signal: null, error_name: null, error_code: null, error_diag: null },
};

describe.runIf(postgresAvailable())('the one-statement finish (PostgreSQL)', () => {
  const fixture = usePostgresStore();

  /** One report alone: the statement's answer for it. */
  const finishSoloJobPostgres = async (
    report: FinishInput,
    ending: Untimed<SoloFinish>['ending'],
    claimMs?: number,
  ) => (await finishSoloJobsPostgres(fixture.kysely, [timed({ input: report, ending, claimMs })]))[0];

  const input = (jobId: number, pilotUuid: string, overrides: Partial<FinishInput> = {}): FinishInput => ({
    jobId,
    pilotUuid,
    attempt: 1,
    outcome: { kind: 'exited', exitCode: 0 },
    metrics: { cpuSeconds: 0.25, rssKb: 100, maxRssKb: 300 },
    now: T0 + 1000,
    started: { pid: 4242, msAgo: 200 },
    ...overrides,
  });

  it('ends a dispatched job its pilot holds, with its event and attempt, and frees the pilot', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    const done = await finishSoloJobPostgres(input(job.id, pilot.uuid), FINISHED);
    expect(done?.row).toMatchObject({ id: job.id, state: 'finished', pid: 4242 });
    expect(done?.row).not.toHaveProperty('p3s_from_state');
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'idle', current_job_id: null, jobs_run: 1 });
    const detail = await fixture.store.getJobDetail(job.id);
    expect(detail?.job).toMatchObject({
      state: 'finished',
      startedAt: T0 + 800,
      endedAt: T0 + 1000,
      maxRssKb: 300,
    });
    expect(detail?.events.at(-1)).toMatchObject({
      fromState: 'dispatched',
      toState: 'finished',
      transition: 'finish',
      actor: 'pilot:test',
    });
    expect(detail?.attempts).toMatchObject([{ state: 'finished', cpuSeconds: 0.25, maxRssKb: 300 }]);
  });

  it('matches nothing, and changes nothing, for another pilot, an old attempt or an ended job', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    const other = await registerPilot(fixture.store, {}, T0);
    expect(await finishSoloJobPostgres(input(job.id, other.uuid), FINISHED)).toBeUndefined();
    expect(await finishSoloJobPostgres(input(job.id, pilot.uuid, { attempt: 2 }), FINISHED)).toBeUndefined();
    expect(await finishSoloJobPostgres(input(job.id, 'no-such-pilot'), FINISHED)).toBeUndefined();
    expect((await fixture.store.getJobDetail(job.id))?.events.at(-1)?.toState).toBe('dispatched');
    expect(await finishSoloJobPostgres(input(job.id, pilot.uuid), FINISHED)).toBeDefined();
    // A retried report: the general path recognises it (conformance suite); this one does not.
    expect(await finishSoloJobPostgres(input(job.id, pilot.uuid), FINISHED)).toBeUndefined();
    expect((await fixture.store.getJobDetail(job.id))?.attempts).toHaveLength(1);
  });

  it('leaves a stopped pilot stopped and returns it as it is', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    await fixture.kysely.updateTable('pilots').set({ state: 'stopped' }).where('id', '=', pilot.id).execute();
    const done = await finishSoloJobPostgres(input(job.id, pilot.uuid), FINISHED);
    expect(done?.row.state).toBe('finished');
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'stopped', jobs_run: 0 });
  });

  describe('with the next claim', () => {
    const claimNext = (jobId: number, pilotUuid: string) =>
      finishSoloJobPostgres(input(jobId, pilotUuid), FINISHED, LEASE_MS);

    it('claims the next job in dispatch order, with its claim event, and marks the pilot running', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
      const [low, high] = await fixture.store.submitJobs(
        [spec({ priority: 1 }), spec({ priority: 7 })],
        'alice',
        T0,
      );
      const done = await claimNext(job.id, pilot.uuid);
      expect(done?.row).toMatchObject({ id: job.id, state: 'finished' });
      expect(done?.next).toMatchObject({ id: high?.id, state: 'dispatched', pilot_id: pilot.id });
      expect(done?.next?.lease_expires_at).toBe(T0 + 1000 + LEASE_MS);
      expect(done?.pilot).toMatchObject({ state: 'running', current_job_id: high?.id, jobs_run: 1 });
      expect((await fixture.store.getJobDetail(high?.id as number))?.events.at(-1)).toMatchObject({
        fromState: 'defined',
        toState: 'dispatched',
        transition: 'claim',
        actor: `pilot:${pilot.uuid}`,
        detail: `pilot ${pilot.id} on ${pilot.host}`,
      });
      expect((await fixture.store.getJob(low?.id as number))?.state).toBe('defined');
    });

    it('leaves the pilot idle when no job is eligible, and claims nothing for a pilot asked to stop', async () => {
      const first = await claimedJob(fixture.store, {
        now: T0,
        pilot: { jobTypes: ['only-this'] },
        spec: { jobtype: 'only-this' },
      });
      const idle = await claimNext(first.job.id, first.pilot.uuid);
      expect(idle?.next).toBeUndefined();
      expect(idle?.pilot).toMatchObject({ state: 'idle', current_job_id: null, jobs_run: 1 });

      const second = await claimedJob(fixture.store, { now: T0 });
      await fixture.store.submitJobs([spec()], 'alice', T0);
      await fixture.store.requestPilotStop(second.pilot.id);
      const stopping = await claimNext(second.job.id, second.pilot.uuid);
      expect(stopping?.row.state).toBe('finished');
      expect(stopping?.next).toBeUndefined();
    });

    it('marks the workflow of the job it claims running', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0, pilot: { jobTypes: ['default'] } });
      await fixture.store.submitJobs([spec({ priority: -1 })], 'alice', T0); // behind the workflow's first job
      const { workflow, jobs } = await createWorkflow(fixture.store, makeDag('a>b'), { name: 'solo-next' });
      const done = await claimNext(job.id, pilot.uuid);
      expect(done?.next?.id).toBe(jobs[0]?.id);
      expect((await fixture.store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('running');
    });

    it('matches nothing, and claims nothing, when the finish does not match', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
      const [waiting] = await fixture.store.submitJobs([spec({ priority: 100 })], 'alice', T0);
      expect(
        await finishSoloJobPostgres(input(job.id, pilot.uuid, { attempt: 3 }), FINISHED, LEASE_MS),
      ).toBeUndefined();
      expect((await fixture.store.getJob(waiting?.id as number))?.state).toBe('defined');
      expect((await fixture.store.getPilot(pilot.id))?.state).toBe('running');
    });
  });

  describe('in a group', () => {
    /** Has each pilot (by registration) claim one job; the queue must hold one each, in order. */
    async function holders(registrations: Parameters<typeof registerPilot>[1][]) {
      const held: { jobId: number; pilotId: number; uuid: string }[] = [];
      for (const registration of registrations) {
        const pilot = await registerPilot(fixture.store, registration, T0);
        const claimed = await fixture.store.claimJob(
          pilot.uuid,
          { site: pilot.site, jobTypes: pilot.jobTypes },
          LEASE_MS,
          T0,
        );
        held.push({ jobId: claimed?.job.id as number, pilotId: pilot.id, uuid: pilot.uuid });
      }
      return held;
    }
    const group = (reports: FinishInput[], claimMs: number | undefined = LEASE_MS) =>
      finishSoloJobsPostgres(
        fixture.kysely,
        reports.map((report) => timed({ input: report, ending: FINISHED, claimMs })),
      );

    it('finishes every report and hands out distinct jobs, best first, in report order', async () => {
      await fixture.store.submitJobs([spec(), spec(), spec()], 'alice', T0);
      const held = await holders([{}, {}, {}]);
      const [low, high, mid] = await fixture.store.submitJobs(
        [spec({ priority: 1 }), spec({ priority: 9 }), spec({ priority: 5 })],
        'alice',
        T0,
      );
      const answers = await group(held.map((h) => input(h.jobId, h.uuid)));
      expect(answers.map((a) => a?.row.state)).toEqual(['finished', 'finished', 'finished']);
      expect(answers.map((a) => a?.next?.id)).toEqual([high?.id, mid?.id, low?.id]);
      expect(answers.map((a) => a?.next?.pilot_id)).toEqual(held.map((h) => h.pilotId));
      expect(answers.map((a) => a?.pilot.current_job_id)).toEqual([high?.id, mid?.id, low?.id]);
      expect(answers.every((a) => a?.pilot.state === 'running' && !a.unserved)).toBe(true);
      for (const [i, h] of held.entries()) {
        const events = (await fixture.store.getJobDetail(answers[i]?.next?.id as number))?.events;
        expect(events?.at(-1)).toMatchObject({ transition: 'claim', actor: `pilot:${h.uuid}` });
        expect((await fixture.store.getJobDetail(h.jobId))?.attempts).toHaveLength(1);
      }
    });

    it('leaves the pilots it has no job for idle, after the ones it served', async () => {
      await fixture.store.submitJobs([spec(), spec(), spec()], 'alice', T0);
      const held = await holders([{}, {}, {}]);
      const [only] = await fixture.store.submitJobs([spec()], 'alice', T0);
      const answers = await group(held.map((h) => input(h.jobId, h.uuid)));
      expect(answers.map((a) => a?.next?.id ?? null)).toEqual([only?.id, null, null]);
      expect(answers.map((a) => a?.pilot.state)).toEqual(['running', 'idle', 'idle']);
      expect(answers.map((a) => a?.unserved)).toEqual([false, false, false]);
    });

    it("claims for the pilots of its first claimant's site and types only; the others claim alone", async () => {
      await fixture.store.submitJobs(
        [spec({ jobtype: 'reco' }), spec(), spec({ jobtype: 'reco' })],
        'alice',
        T0,
      );
      const held = await holders([{ jobTypes: ['reco'] }, {}, { jobTypes: ['reco'] }]);
      const [sim, reco] = await fixture.store.submitJobs(
        [spec({ jobtype: 'sim', priority: 9 }), spec({ jobtype: 'reco' })],
        'alice',
        T0,
      );
      const answers = await group(held.map((h) => input(h.jobId, h.uuid)));
      expect(answers.map((a) => a?.row.state)).toEqual(['finished', 'finished', 'finished']);
      expect(answers.map((a) => a?.next?.id ?? null)).toEqual([reco?.id, null, null]);
      expect(answers.map((a) => a?.unserved)).toEqual([false, true, false]);
      expect(answers.map((a) => a?.pilot.state)).toEqual(['running', 'idle', 'idle']);
      expect((await fixture.store.getJob(sim?.id as number))?.state).toBe('defined');
    });

    it("claims for the pilots that offer its first claimant's resources, within their shortest lifetime", async () => {
      await fixture.store.submitJobs(
        Array.from({ length: 6 }, () => spec({ timelimit: 10 })),
        'alice',
        T0,
      );
      // Each of the second to fourth differs from the first in one resource only; the last two
      // offer what the first does, with lifetimes of 100 s and an hour.
      const held = await holders([
        {},
        { resources: { memory: 1024, cores: 0, disk: 0 } },
        { resources: { memory: 0, cores: 1, disk: 0 } },
        { resources: { memory: 0, cores: 0, disk: 1000 } },
        { lifetimeLeft: 100 },
        { lifetimeLeft: 3600 },
      ]);
      // The best job outlives the 100 s pilot, so the group passes over it.
      const [long, ...short] = await fixture.store.submitJobs(
        [
          spec({ timelimit: 600, memory: 2048, cores: 2, disk: 2000, priority: 9 }),
          ...[1, 2, 3].map(() => spec({ timelimit: 50 })),
        ],
        'alice',
        T0,
      );
      const answers = await group(held.map((h) => input(h.jobId, h.uuid)));
      expect(answers.map((a) => a?.unserved)).toEqual([false, true, true, true, false, false]);
      expect(answers.map((a) => a?.next?.id ?? null)).toEqual([
        short[0]?.id,
        null,
        null,
        null,
        short[1]?.id,
        short[2]?.id,
      ]);
      expect((await fixture.store.getJob(long?.id as number))?.state).toBe('defined');
    });

    it('answers a report it matches nothing for with undefined, and still applies the others', async () => {
      await fixture.store.submitJobs([spec(), spec()], 'alice', T0);
      const held = await holders([{}, {}]);
      const [next] = await fixture.store.submitJobs([spec()], 'alice', T0);
      const [first, second] = held as [(typeof held)[number], (typeof held)[number]];
      const answers = await group([
        input(first.jobId, first.uuid, { attempt: 2 }),
        input(second.jobId, second.uuid),
      ]);
      expect(answers[0]).toBeUndefined();
      expect(answers[1]?.next?.id).toBe(next?.id);
      expect((await fixture.store.getJob(first.jobId))?.state).toBe('dispatched');
      expect((await fixture.store.getPilot(first.pilotId))?.state).toBe('running');
    });

    it('claims nothing for plain finishes or a pilot asked to stop, and ranks the others without them', async () => {
      await fixture.store.submitJobs([spec(), spec(), spec()], 'alice', T0);
      const held = await holders([{}, {}, {}]);
      const [best, second] = await fixture.store.submitJobs(
        [spec({ priority: 9 }), spec({ priority: 5 })],
        'alice',
        T0,
      );
      await fixture.store.requestPilotStop(held[0]?.pilotId as number);
      const answers = await finishSoloJobsPostgres(
        fixture.kysely,
        [
          {
            input: input(held[0]?.jobId as number, held[0]?.uuid as string),
            ending: FINISHED,
            claimMs: LEASE_MS,
          },
          { input: input(held[1]?.jobId as number, held[1]?.uuid as string), ending: FINISHED },
          {
            input: input(held[2]?.jobId as number, held[2]?.uuid as string),
            ending: FINISHED,
            claimMs: LEASE_MS,
          },
        ].map(timed),
      );
      expect(answers.map((a) => a?.next?.id ?? null)).toEqual([null, null, best?.id]);
      expect(answers.map((a) => a?.unserved)).toEqual([false, false, false]);
      expect((await fixture.store.getJob(second?.id as number))?.state).toBe('defined');
    });

    it('through the store, pilots that fetch their next job at once each get a distinct one', async () => {
      await fixture.store.submitJobs(
        Array.from({ length: 8 }, () => spec()),
        'alice',
        T0,
      );
      const held = await holders(Array.from({ length: 8 }, () => ({})));
      await fixture.store.submitJobs(
        Array.from({ length: 6 }, () => spec()),
        'alice',
        T0,
      );
      const replies = await Promise.all(
        held.map((h) => fixture.store.finishAndClaimJob(input(h.jobId, h.uuid), LEASE_MS)),
      );
      expect(replies.map((r) => r.job.state)).toEqual(Array(8).fill('finished'));
      // Six jobs for eight pilots: six distinct claims, two pilots idle, no job given twice.
      const next = replies.map((r) => r.next.claimed?.job.id).filter((id) => id !== undefined);
      expect(new Set(next).size).toBe(6);
      expect(next).toHaveLength(6);
      for (const [i, reply] of replies.entries()) {
        const id = reply.next.claimed?.job.id;
        const pilot = await fixture.store.getPilot(held[i]?.pilotId as number);
        expect(pilot).toMatchObject({ currentJobId: id ?? null, state: id ? 'running' : 'idle' });
        if (id) expect((await fixture.store.getJob(id))?.state).toBe('dispatched');
      }
    });
  });
});
