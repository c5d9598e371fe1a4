// The grouped SQLite finish and finish-with-claim (store/finish-sqlite.ts) on their own: they end
// the jobs their pilots hold, with the same records as the general path, claim the next jobs as
// claims would, and answer undefined — changing nothing for that report — in every case the
// general path has to handle or explain. The conformance suite runs them through the store's verbs;
// this file checks that they really take the common case, and what a group does.

import { describe, expect, it } from 'vitest';
import type { Ending, SoloFinish } from '../../src/store/dialect.ts';
import { attemptTimes } from '../../src/store/reports/finish.ts';
import { finishSoloJobsSqlite } from '../../src/store/sqlite/finish.ts';
import type { FinishInput } from '../../src/store/store.ts';
import { claimedJob, LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';
import { createWorkflow, makeDag } from './conformance-workflow-fixtures.ts';
import { useSqliteStore } from './sqlite-store-fixture.ts';

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

const fixture = useSqliteStore();
const group = (finishes: Untimed<SoloFinish>[]) =>
  fixture.write((tx) => finishSoloJobsSqlite(tx, finishes.map(timed)));

/** One report alone: the group's answer for it. */
const finishAlone = async (report: FinishInput, ending: Untimed<SoloFinish>['ending'], claimMs?: number) =>
  (await group([{ input: report, ending, claimMs }]))[0];

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

describe('the grouped finish (SQLite)', () => {
  it('ends a dispatched job its pilot holds, with its event and attempt, and frees the pilot', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    const done = await finishAlone(input(job.id, pilot.uuid), FINISHED);
    expect(done?.row).toMatchObject({ id: job.id, state: 'finished', pid: 4242 });
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'idle', current_job_id: null, jobs_run: 1 });
    const detail = await fixture.store.getJobDetail(job.id);
    expect(detail?.job).toMatchObject({
      state: 'finished',
      startedAt: T0 + 800,
      endedAt: T0 + 1000,
      maxRssKb: 300,
      cpuSeconds: 0.25,
      exitCode: 0,
      leaseExpiresAt: null,
    });
    expect(detail?.job).toEqual(await fixture.store.getJob(job.id));
    expect(detail?.events.at(-1)).toMatchObject({
      fromState: 'dispatched',
      toState: 'finished',
      transition: 'finish',
      actor: 'pilot:test',
    });
    expect(detail?.attempts).toMatchObject([
      { attempt: 1, state: 'finished', cpuSeconds: 0.25, maxRssKb: 300, exitCode: 0, startedAt: T0 + 800 },
    ]);
    expect(await fixture.store.getPilot(pilot.id)).toMatchObject({
      state: 'idle',
      currentJobId: null,
      jobsRun: 1,
    });
  });

  it('keeps the pid and start of a running job, and its metrics when the report has none', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    const metrics = { cpuSeconds: 1.5, rssKb: 50, maxRssKb: 900 };
    await fixture.store.startJob({
      jobId: job.id,
      pilotUuid: pilot.uuid,
      attempt: 1,
      pid: 7,
      metrics,
      leaseMs: LEASE_MS,
      now: T0 + 10,
    });
    const failing = { kind: 'exited', exitCode: 3 } as const;
    const done = await finishAlone(input(job.id, pilot.uuid, { metrics: null, outcome: failing }), {
      ...FINISHED,
      state: 'failed',
      transition: 'fail',
      set: { exit_code: 3, signal: null, error_name: 'exit_code', error_code: 1, error_diag: 'exit code 3' },
    });
    expect(done?.row).toMatchObject({
      state: 'failed',
      pid: 7,
      started_at: T0 + 10,
      cpu_seconds: 1.5,
      max_rss_kb: 900,
    });
    expect((await fixture.store.getJobDetail(job.id))?.events.at(-1)).toMatchObject({
      fromState: 'running',
      toState: 'failed',
      detail: 'exit code 3',
    });
  });

  it('answers undefined, and changes nothing, for another pilot, an old attempt or an ended job', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    const other = await registerPilot(fixture.store, {}, T0);
    expect(await finishAlone(input(job.id, other.uuid), FINISHED)).toBeUndefined();
    expect(await finishAlone(input(job.id, pilot.uuid, { attempt: 2 }), FINISHED)).toBeUndefined();
    expect(await finishAlone(input(job.id, 'no-such-pilot'), FINISHED)).toBeUndefined();
    expect(await finishAlone(input(job.id + 1000, pilot.uuid), FINISHED)).toBeUndefined();
    expect((await fixture.store.getJobDetail(job.id))?.events.at(-1)?.toState).toBe('dispatched');
    expect(await finishAlone(input(job.id, pilot.uuid), FINISHED)).toBeDefined();
    // A retried report: the general path recognises it (conformance suite); the group does not.
    expect(await finishAlone(input(job.id, pilot.uuid), FINISHED)).toBeUndefined();
    expect((await fixture.store.getJobDetail(job.id))?.attempts).toHaveLength(1);
  });

  it('leaves a workflow job and a report with output to the general path', async () => {
    const pilot = await registerPilot(fixture.store, { jobTypes: ['default'] }, T0);
    const { jobs } = await createWorkflow(fixture.store, makeDag('a>b'), { name: 'general' });
    const claim = await fixture.store.claimJob(
      pilot.uuid,
      { site: null, jobTypes: ['default'] },
      LEASE_MS,
      T0,
    );
    expect(claim?.job.id).toBe(jobs[0]?.id);
    expect(await finishAlone(input(claim?.job.id as number, pilot.uuid), FINISHED, LEASE_MS)).toBeUndefined();
    const plain = await claimedJob(fixture.store, { now: T0 });
    const logs = {
      chunks: [{ stream: 'out' as const, offset: 0, data: Buffer.from('hi\n') }],
      caps: { headCap: 100, tailCap: 100 },
    };
    expect(await finishAlone(input(plain.job.id, plain.pilot.uuid, { logs }), FINISHED)).toBeUndefined();
    expect((await fixture.store.getJob(plain.job.id))?.state).toBe('dispatched');
  });

  it('leaves a stopped pilot stopped and returns it as it is', async () => {
    const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
    await fixture.kysely.updateTable('pilots').set({ state: 'stopped' }).where('id', '=', pilot.id).execute();
    const done = await finishAlone(input(job.id, pilot.uuid), FINISHED, LEASE_MS);
    expect(done?.row.state).toBe('finished');
    expect(done?.next).toBeUndefined();
    expect(done?.pilot).toMatchObject({ id: pilot.id, state: 'stopped', jobs_run: 0 });
    expect(await fixture.store.getPilot(pilot.id)).toMatchObject({ state: 'stopped', jobsRun: 0 });
  });

  describe('with the next claim', () => {
    const claimNext = (jobId: number, pilotUuid: string) =>
      finishAlone(input(jobId, pilotUuid), FINISHED, LEASE_MS);

    it('claims the next job in dispatch order, with its claim event, and marks the pilot running', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0 });
      const [low, high] = await fixture.store.submitJobs(
        [spec({ priority: 1 }), spec({ priority: 7 })],
        'alice',
        T0,
      );
      const done = await claimNext(job.id, pilot.uuid);
      expect(done?.row).toMatchObject({ id: job.id, state: 'finished' });
      expect(done?.next).toMatchObject({
        id: high?.id,
        state: 'dispatched',
        pilot_id: pilot.id,
        host: pilot.host,
      });
      expect(done?.next?.lease_expires_at).toBe(T0 + 1000 + LEASE_MS);
      expect(done?.pilot).toMatchObject({ state: 'running', current_job_id: high?.id, jobs_run: 1 });
      expect(await fixture.store.getPilot(pilot.id)).toMatchObject({
        state: 'running',
        currentJobId: high?.id,
        jobsRun: 1,
      });
      expect((await fixture.store.getJobDetail(high?.id as number))?.events.at(-1)).toMatchObject({
        fromState: 'defined',
        toState: 'dispatched',
        transition: 'claim',
        actor: `pilot:${pilot.uuid}`,
        detail: `pilot ${pilot.id} on ${pilot.host}`,
      });
      expect((await fixture.store.getJob(low?.id as number))?.state).toBe('defined');
    });

    it('claims only jobs of the pilot’s site and types', async () => {
      const { job, pilot } = await claimedJob(fixture.store, {
        now: T0,
        pilot: { site: 'cern', jobTypes: ['reco'] },
        spec: { jobtype: 'reco' },
      });
      const [elsewhere, sim, ok] = await fixture.store.submitJobs(
        [
          spec({ jobtype: 'reco', site: 'fnal', priority: 9 }),
          spec({ jobtype: 'sim', priority: 9 }),
          spec({ jobtype: 'reco', site: 'cern' }),
        ],
        'alice',
        T0,
      );
      const done = await claimNext(job.id, pilot.uuid);
      expect(done?.next?.id).toBe(ok?.id);
      expect((await fixture.store.getJob(elsewhere?.id as number))?.state).toBe('defined');
      expect((await fixture.store.getJob(sim?.id as number))?.state).toBe('defined');
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
      expect(await fixture.store.getPilot(second.pilot.id)).toMatchObject({
        state: 'idle',
        stopRequested: true,
        jobsRun: 1,
      });
    });

    it('marks the workflow of the job it claims running', async () => {
      const { job, pilot } = await claimedJob(fixture.store, { now: T0, pilot: { jobTypes: ['default'] } });
      await fixture.store.submitJobs([spec({ priority: -1 })], 'alice', T0); // behind the workflow's first job
      const { workflow, jobs } = await createWorkflow(fixture.store, makeDag('a>b'), { name: 'solo-next' });
      const done = await claimNext(job.id, pilot.uuid);
      expect(done?.next?.id).toBe(jobs[0]?.id);
      expect((await fixture.store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('running');
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
    const claimAll = (reports: FinishInput[]) =>
      group(
        reports.map(
          (report): Untimed<SoloFinish> => ({ input: report, ending: FINISHED, claimMs: LEASE_MS }),
        ),
      );

    it('finishes every report and hands out distinct jobs, best first, in report order', async () => {
      await fixture.store.submitJobs([spec(), spec(), spec()], 'alice', T0);
      const held = await holders([{}, {}, {}]);
      const [low, high, mid] = await fixture.store.submitJobs(
        [spec({ priority: 1 }), spec({ priority: 9 }), spec({ priority: 5 })],
        'alice',
        T0,
      );
      const answers = await claimAll(held.map((h) => input(h.jobId, h.uuid)));
      expect(answers.map((a) => a?.row.state)).toEqual(['finished', 'finished', 'finished']);
      expect(answers.map((a) => a?.next?.id)).toEqual([high?.id, mid?.id, low?.id]);
      expect(answers.map((a) => a?.next?.pilot_id)).toEqual(held.map((h) => h.pilotId));
      expect(answers.every((a) => a?.pilot.state === 'running' && !a.unserved)).toBe(true);
      for (const [i, h] of held.entries()) {
        const events = (await fixture.store.getJobDetail(answers[i]?.next?.id as number))?.events;
        expect(events?.at(-1)).toMatchObject({ transition: 'claim', actor: `pilot:${h.uuid}` });
        expect((await fixture.store.getJobDetail(h.jobId))?.attempts).toHaveLength(1);
        expect(await fixture.store.getPilot(h.pilotId)).toMatchObject({
          state: 'running',
          currentJobId: answers[i]?.next?.id,
          jobsRun: 1,
        });
      }
    });

    it('leaves the pilots it has no job for idle, after the ones it served', async () => {
      await fixture.store.submitJobs([spec(), spec(), spec()], 'alice', T0);
      const held = await holders([{}, {}, {}]);
      const [only] = await fixture.store.submitJobs([spec()], 'alice', T0);
      const answers = await claimAll(held.map((h) => input(h.jobId, h.uuid)));
      expect(answers.map((a) => a?.next?.id ?? null)).toEqual([only?.id, null, null]);
      expect(answers.map((a) => a?.pilot.state)).toEqual(['running', 'idle', 'idle']);
    });

    it('serves pilots of different sites and types in one group, none given a job twice', async () => {
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
      const answers = await claimAll(held.map((h) => input(h.jobId, h.uuid)));
      expect(answers.map((a) => a?.row.state)).toEqual(['finished', 'finished', 'finished']);
      // The reco pilots pick first (the first report's kind), then the any-type pilot takes sim.
      expect(answers.map((a) => a?.next?.id ?? null)).toEqual([reco?.id, sim?.id, null]);
      expect(answers.map((a) => a?.unserved)).toEqual([false, false, false]);
      expect(answers.map((a) => a?.pilot.state)).toEqual(['running', 'running', 'idle']);
    });

    it('answers a report it cannot take with undefined, and still applies the others', async () => {
      await fixture.store.submitJobs([spec(), spec()], 'alice', T0);
      const held = await holders([{}, {}]);
      const [next] = await fixture.store.submitJobs([spec()], 'alice', T0);
      const [first, second] = held as [(typeof held)[number], (typeof held)[number]];
      const answers = await claimAll([
        input(first.jobId, first.uuid, { attempt: 2 }),
        input(second.jobId, second.uuid),
      ]);
      expect(answers[0]).toBeUndefined();
      expect(answers[1]?.next?.id).toBe(next?.id);
      expect((await fixture.store.getJob(first.jobId))?.state).toBe('dispatched');
      expect(await fixture.store.getPilot(first.pilotId)).toMatchObject({ state: 'running', jobsRun: 0 });
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
      const report = (i: number) => input(held[i]?.jobId as number, held[i]?.uuid as string);
      const answers = await group([
        { input: report(0), ending: FINISHED, claimMs: LEASE_MS },
        { input: report(1), ending: FINISHED },
        { input: report(2), ending: FINISHED, claimMs: LEASE_MS },
      ]);
      expect(answers.map((a) => a?.next?.id ?? null)).toEqual([null, null, best?.id]);
      expect(answers.map((a) => a?.pilot.state)).toEqual(['idle', 'idle', 'running']);
      expect((await fixture.store.getJob(second?.id as number))?.state).toBe('defined');
    });

    it('through the fixture.store, pilots that fetch their next job at once each get a distinct one', async () => {
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
        expect(pilot).toMatchObject({ currentJobId: id ?? null, state: id ? 'running' : 'idle', jobsRun: 1 });
        if (id) expect((await fixture.store.getJob(id))?.state).toBe('dispatched');
      }
    });
  });
});
