// Conformance: start, heartbeat and finish as a pilot reports them — outcomes, lease
// extension, metrics, kill commands, lease-lost refusals and idempotent repeats.

import { describe, expect, it } from 'vitest';
import { type JobOutcome, LeaseLostError } from '../../src/core/index.ts';
import {
  type ConformanceContext,
  claimedJob,
  finish,
  LEASE_MS,
  registerPilot,
  runningJob,
  spec,
  T0,
  withoutRetryRules,
} from './conformance-fixtures.ts';

const OUTCOMES: [string, JobOutcome, object][] = [
  [
    'exit 0 finishes',
    { kind: 'exited', exitCode: 0 },
    { state: 'finished', exitCode: 0, errorName: null, errorCode: null },
  ],
  [
    'a non-zero exit fails',
    { kind: 'exited', exitCode: 3 },
    {
      state: 'failed',
      exitCode: 3,
      errorName: 'exit_code',
      errorCode: 1100,
      errorDiag: 'payload exited with status 3',
    },
  ],
  [
    'a signal fails',
    { kind: 'signaled', signal: 'SIGSEGV' },
    { state: 'failed', signal: 'SIGSEGV', errorName: 'signal', errorCode: 1101 },
  ],
  [
    'the time limit fails',
    { kind: 'timelimit', timelimit: 100 },
    { state: 'failed', errorName: 'timelimit', errorCode: 1200 },
  ],
  ['a kill cancels', { kind: 'killed' }, { state: 'cancelled', errorName: 'killed', errorCode: 1201 }],
  [
    'a nonstarter fails',
    { kind: 'nonstarter', reason: 'no such file' },
    { state: 'failed', errorDiag: 'no such file' },
  ],
];

export function describePilotReports(ctx: ConformanceContext): void {
  describe('startJob and heartbeatJob', () => {
    it('starts a dispatched job and is idempotent when repeated', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      const input = {
        jobId: job.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        pid: 777,
        metrics: null,
        leaseMs: LEASE_MS,
      };
      expect(await store.startJob({ ...input, now: T0 + 100 })).toEqual({
        command: null,
        leaseExpiresAt: T0 + 100 + LEASE_MS,
      });
      expect(await store.startJob({ ...input, now: T0 + 200 })).toEqual({
        command: null,
        leaseExpiresAt: T0 + 200 + LEASE_MS,
      });
      const detail = await store.getJobDetail(job.id);
      expect(detail?.job).toMatchObject({ state: 'running', pid: 777, startedAt: T0 + 100 });
      expect(detail?.events.filter((e) => e.transition === 'start')).toHaveLength(1);
    });

    it('dates the start back by how long the payload ran before the pilot reported it', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      await store.startJob({
        jobId: job.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        pid: 778,
        startedMsAgo: 105,
        metrics: null,
        leaseMs: LEASE_MS,
        now: T0 + 300,
      });
      expect((await store.getJob(job.id))?.startedAt).toBe(T0 + 195);
    });

    it('extends the lease without ever shortening it, keeps the peak RSS and touches the pilot', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const beat = (now: number, leaseMs: number, rssKb: number) =>
        store.heartbeatJob({
          jobId: job.id,
          pilotUuid: pilot.uuid,
          attempt: 1,
          metrics: { cpuSeconds: now - T0, rssKb, maxRssKb: rssKb },
          leaseMs,
          now,
        });
      expect((await beat(T0 + 10_000, LEASE_MS, 5000)).leaseExpiresAt).toBe(T0 + 10_000 + LEASE_MS);
      expect((await beat(T0 + 11_000, 1000, 3000)).leaseExpiresAt).toBe(T0 + 10_000 + LEASE_MS);
      expect(await store.getJob(job.id)).toMatchObject({
        cpuSeconds: 11_000,
        maxRssKb: 5000,
        leaseExpiresAt: T0 + 40_000,
      });
      expect((await store.getPilot(pilot.id))?.lastSeenAt).toBe(T0 + 11_000);
    });

    it('replies kill once a kill was requested', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      await store.killJob(job.id, 'alice', T0 + 1);
      const input = {
        jobId: job.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        metrics: null,
        leaseMs: LEASE_MS,
        now: T0 + 2,
      };
      expect((await store.heartbeatJob(input)).command).toBe('kill');
    });

    it('refuses reports from another pilot, for another attempt, or on an ended job', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const other = await registerPilot(store);
      const base = {
        jobId: job.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        metrics: null,
        leaseMs: LEASE_MS,
        now: T0 + 5,
      };
      await expect(store.heartbeatJob({ ...base, pilotUuid: other.uuid })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await expect(store.heartbeatJob({ ...base, pilotUuid: 'no-such-pilot' })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await expect(store.heartbeatJob({ ...base, attempt: 2 })).rejects.toBeInstanceOf(LeaseLostError);
      await expect(store.startJob({ ...base, attempt: 2, pid: 1 })).rejects.toBeInstanceOf(LeaseLostError);
      await expect(store.heartbeatJob({ ...base, jobId: 999_999 })).rejects.toBeInstanceOf(LeaseLostError);
      await finish(store, job, pilot, { kind: 'exited', exitCode: 0 });
      await expect(store.heartbeatJob(base)).rejects.toBeInstanceOf(LeaseLostError);
      await expect(store.startJob({ ...base, pid: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    });
  });

  describe('touchAndClaimJob', () => {
    it('touches the pilot and claims the best job for its site and types in one go', async () => {
      const store = await ctx.fresh();
      await store.submitJobs(
        [spec({ name: 'elsewhere', site: 'fnal' }), spec({ name: 'mine' })],
        'alice',
        T0,
      );
      const pilot = await registerPilot(store, { site: 'cern' }, T0);
      const first = await store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0 + 100);
      expect(first.pilot).toMatchObject({ id: pilot.id, lastSeenAt: T0 + 100 });
      expect(first.claimed?.job).toMatchObject({ name: 'mine', state: 'dispatched', pilotId: pilot.id });
      expect(first.claimed?.leaseExpiresAt).toBe(T0 + 100 + LEASE_MS);
      expect((await store.getPilot(pilot.id))?.state).toBe('running');
    });

    it('touches without claiming when nothing matches, and claims nothing for a pilot asked to stop', async () => {
      const store = await ctx.fresh();
      const pilot = await registerPilot(store, {}, T0);
      const empty = await store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0 + 5);
      expect(empty).toMatchObject({ claimed: null, pilot: { lastSeenAt: T0 + 5, state: 'idle' } });
      await store.submitJobs([spec()], 'alice', T0 + 6);
      await store.requestPilotStop(pilot.id);
      const stopping = await store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0 + 7);
      expect(stopping).toMatchObject({ claimed: null, pilot: { stopRequested: true } });
      expect(
        (await store.listJobs({ limit: 10, offset: 0, sort: 'id', order: 'asc', filter: {} })).jobs[0]?.state,
      ).toBe('defined');
    });

    it('refuses an unknown pilot', async () => {
      const store = await ctx.fresh();
      await expect(store.touchAndClaimJob('no-such-pilot', LEASE_MS, T0)).rejects.toMatchObject({
        code: 'pilot_unknown',
      });
    });

    it('offers again the unstarted job whose claim reply the pilot never got, with its lease renewed', async () => {
      const store = await ctx.fresh();
      await store.submitJobs([spec({ name: 'first' }), spec({ name: 'second' })], 'alice', T0);
      const pilot = await registerPilot(store, {}, T0);
      const lost = await store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0 + 10);
      const again = await store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0 + 5000);
      expect(again.claimed?.job).toMatchObject({ id: lost.claimed?.job.id, state: 'dispatched', attempt: 1 });
      expect(again.claimed?.leaseExpiresAt).toBe(T0 + 5000 + LEASE_MS);
      expect(again.pilot).toMatchObject({ state: 'running', currentJobId: lost.claimed?.job.id });
      const detail = await store.getJobDetail(lost.claimed?.job.id as number);
      expect(detail?.events.filter((e) => e.transition === 'claim')).toHaveLength(1);
      const second = await store.listJobs({ limit: 10, offset: 0, sort: 'id', order: 'asc', filter: {} });
      expect(second.jobs.map((j) => j.state)).toEqual(['dispatched', 'defined']);
      // Once started, the job is running: the next claim is a new one.
      await store.startJob({
        jobId: lost.claimed?.job.id as number,
        pilotUuid: pilot.uuid,
        attempt: 1,
        pid: 1,
        metrics: null,
        leaseMs: LEASE_MS,
        now: T0 + 6000,
      });
      expect((await store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0 + 7000)).claimed?.job.name).toBe(
        'second',
      );
    });
  });

  describe('a finish that carries the start', () => {
    it('records the pid and start time of a job still dispatched, and ignores them once it runs', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      const ended = await store.finishJob({
        jobId: job.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        metrics: null,
        now: T0 + 500,
        started: { pid: 4242, msAgo: 30 },
      });
      expect(ended).toMatchObject({ state: 'finished', pid: 4242, startedAt: T0 + 470, endedAt: T0 + 500 });
      const detail = await store.getJobDetail(job.id);
      expect(detail?.events.map((e) => `${e.fromState}>${e.toState}`)).toEqual([
        'null>defined',
        'defined>dispatched',
        'dispatched>finished',
      ]);
      expect(detail?.attempts[0]).toMatchObject({ startedAt: T0 + 470, endedAt: T0 + 500 });

      const second = await runningJob(store, T0 + 1000);
      const ran = await store.finishJob({
        jobId: second.job.id,
        pilotUuid: second.pilot.uuid,
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        metrics: null,
        now: T0 + 2000,
        started: { pid: 1, msAgo: 5 },
      });
      expect(ran).toMatchObject({ pid: 99, startedAt: T0 + 1000 });
    });
  });

  describe('finishAndClaimJob', () => {
    const ending = (jobId: number, pilotUuid: string, now: number) => ({
      jobId,
      pilotUuid,
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 } as JobOutcome,
      metrics: null,
      now,
    });

    it('finishes the job and claims the next for the same pilot in one go', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const [next] = await store.submitJobs([spec({ name: 'next' })], 'alice', T0 + 1);
      const ended = await store.finishAndClaimJob(ending(job.id, pilot.uuid, T0 + 100), LEASE_MS);
      expect(ended.job).toMatchObject({ id: job.id, state: 'finished', endedAt: T0 + 100 });
      expect(ended.next.claimed?.job).toMatchObject({ id: next?.id, state: 'dispatched', pilotId: pilot.id });
      expect(ended.next.claimed?.leaseExpiresAt).toBe(T0 + 100 + LEASE_MS);
      expect(ended.next.pilot).toMatchObject({ state: 'running', currentJobId: next?.id, jobsRun: 1 });
      // As stored, not only as answered: the finished job is counted in the same write as the claim.
      expect(await store.getPilot(pilot.id)).toMatchObject({
        state: 'running',
        currentJobId: next?.id,
        jobsRun: 1,
      });
      expect(await store.getJob(job.id)).toEqual(ended.job);
    });

    it('answers no job when none is left, and stop for a pilot asked to stop', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const ended = await store.finishAndClaimJob(ending(job.id, pilot.uuid, T0 + 100), LEASE_MS);
      expect(ended.next).toMatchObject({ claimed: null, pilot: { state: 'idle', stopRequested: false } });
      expect(await store.getPilot(pilot.id)).toMatchObject({ state: 'idle', currentJobId: null, jobsRun: 1 });
      const second = await runningJob(store, T0 + 200);
      await store.submitJobs([spec({ name: 'left alone' })], 'alice', T0 + 201);
      await store.requestPilotStop(second.pilot.id);
      const stopping = await store.finishAndClaimJob(
        ending(second.job.id, second.pilot.uuid, T0 + 300),
        LEASE_MS,
      );
      expect(stopping.next).toMatchObject({ claimed: null, pilot: { stopRequested: true } });
      expect(await store.getPilot(second.pilot.id)).toMatchObject({
        state: 'idle',
        currentJobId: null,
        jobsRun: 1,
      });
      const left = await store.listJobs({ limit: 10, offset: 0, sort: 'id', order: 'desc', filter: {} });
      expect(left.jobs[0]).toMatchObject({ name: 'left alone', state: 'defined' });
    });

    it('claims nothing when the finish is refused', async () => {
      const store = await ctx.fresh();
      const { job } = await runningJob(store);
      const intruder = await registerPilot(store);
      await store.submitJobs([spec({ name: 'untouched' })], 'alice', T0 + 1);
      await expect(
        store.finishAndClaimJob(ending(job.id, intruder.uuid, T0 + 100), LEASE_MS),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.getPilot(intruder.id)).toMatchObject({ state: 'idle', currentJobId: null });
      const jobs = await store.listJobs({ limit: 10, offset: 0, sort: 'id', order: 'asc', filter: {} });
      expect(jobs.jobs.map((j) => j.state)).toEqual(['running', 'defined']);
    });

    it('gives a retried finish (its reply lost) the job the first one claimed, not a second one', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      await store.submitJobs([spec({ name: 'a' }), spec({ name: 'b' })], 'alice', T0 + 1);
      const first = await store.finishAndClaimJob(ending(job.id, pilot.uuid, T0 + 100), LEASE_MS);
      const retried = await store.finishAndClaimJob(ending(job.id, pilot.uuid, T0 + 200), LEASE_MS);
      expect(retried.job.state).toBe('finished');
      expect(retried.next.claimed?.job.id).toBe(first.next.claimed?.job.id);
      const jobs = await store.listJobs({ limit: 10, offset: 0, sort: 'id', order: 'asc', filter: {} });
      expect(jobs.jobs.map((j) => j.state)).toEqual(['finished', 'dispatched', 'defined']);
    });
  });

  describe('finishJob', () => {
    it.each([
      ['finished (the grouped path)', { kind: 'exited', exitCode: 0 }, 'finished'],
      ['failed (the general path)', { kind: 'exited', exitCode: 1 }, 'failed'],
    ] as const)('dates a %s attempt from the intervals the pilot measured', async (_name, outcome, state) => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const now = T0 + 10_000;
      const ended = await store.finishJob({
        jobId: job.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        outcome,
        metrics: null,
        now,
        ran: { ms: 2500, endedMsAgo: 300 },
      });
      // The spawn and the exit themselves, not the start report's or the finish report's arrival.
      expect(ended).toMatchObject({ state, startedAt: now - 300 - 2500, endedAt: now - 300 });
      expect((await store.getJobDetail(job.id))?.attempts).toMatchObject([
        { startedAt: now - 2800, endedAt: now - 300 },
      ]);
    });

    it('appends the final logs in the same transaction, and none from a pilot that does not hold the job', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const other = await registerPilot(store);
      const caps = { headCap: 1024, tailCap: 1024 };
      const report = (uuid: string, text: string) =>
        store.finishJob({
          jobId: job.id,
          pilotUuid: uuid,
          attempt: 1,
          outcome: { kind: 'exited', exitCode: 0 },
          metrics: null,
          now: T0 + 50,
          logs: { chunks: [{ stream: 'out', offset: 0, data: Buffer.from(text) }], caps },
        });
      await expect(report(other.uuid, 'intruder\n')).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.getLog(job.id, 1, 'out')).toBeUndefined();
      expect((await report(pilot.uuid, 'last words\n')).state).toBe('finished');
      expect((await store.getLog(job.id, 1, 'out'))?.totalBytes).toBe('last words\n'.length);
      await expect(
        store.finishJob({
          jobId: 999_999,
          pilotUuid: pilot.uuid,
          attempt: 1,
          outcome: { kind: 'killed' },
          metrics: null,
          now: T0,
        }),
      ).rejects.toMatchObject({ code: 'not_found' });
    });

    for (const [title, outcome, expected] of OUTCOMES) {
      it(`${title}, records the attempt and frees the pilot`, async () => {
        const store = await ctx.fresh();
        const { job, pilot } = await runningJob(store);
        const ended = await store.finishJob({
          jobId: job.id,
          pilotUuid: pilot.uuid,
          attempt: 1,
          outcome,
          metrics: { cpuSeconds: 1.5, rssKb: 10, maxRssKb: 2048 },
          now: T0 + 9000,
        });
        expect(ended).toMatchObject({
          ...expected,
          endedAt: T0 + 9000,
          leaseExpiresAt: null,
          cpuSeconds: 1.5,
          maxRssKb: 2048,
        });
        expect(await store.getJob(job.id)).toEqual(ended);
        const detail = await store.getJobDetail(job.id);
        expect(detail?.attempts).toEqual([
          {
            jobId: job.id,
            attempt: 1,
            state: ended.state,
            pilotId: pilot.id,
            host: pilot.host,
            site: pilot.site,
            exitCode: ended.exitCode,
            signal: ended.signal,
            errorName: ended.errorName,
            errorCode: ended.errorCode,
            errorDiag: ended.errorDiag,
            cpuSeconds: 1.5,
            maxRssKb: 2048,
            dispatchedAt: T0,
            startedAt: T0,
            endedAt: T0 + 9000,
          },
        ]);
        expect(detail?.events.at(-1)).toMatchObject({
          fromState: 'running',
          toState: ended.state,
          actor: `pilot:${pilot.uuid}`,
        });
        expect(await store.getPilot(pilot.id)).toMatchObject({
          state: 'idle',
          currentJobId: null,
          jobsRun: 1,
        });
      });
    }

    it('finishes a job that was never started', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      const ended = await finish(store, job, pilot, { kind: 'nonstarter', reason: 'not executable' });
      expect(ended).toMatchObject({ state: 'failed', errorName: 'nonstarter', startedAt: null });
      expect((await store.getJobDetail(job.id))?.events.at(-1)).toMatchObject({
        fromState: 'dispatched',
        transition: 'fail',
      });
    });

    it('accepts a repeated report without applying it twice', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const first = await finish(store, job, pilot, { kind: 'exited', exitCode: 0 }, T0 + 10);
      const again = await finish(store, job, pilot, { kind: 'exited', exitCode: 0 }, T0 + 20);
      expect(again).toEqual(first);
      const detail = await store.getJobDetail(job.id);
      expect(detail?.attempts).toHaveLength(1);
      expect(detail?.events.filter((e) => e.transition === 'finish')).toHaveLength(1);
      expect((await store.getPilot(pilot.id))?.jobsRun).toBe(1);
    });

    it('refuses a report from a pilot that does not hold the job', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const other = await registerPilot(store);
      await expect(finish(store, job, other, { kind: 'exited', exitCode: 0 })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await expect(
        finish(store, { ...job, attempt: 2 }, pilot, { kind: 'exited', exitCode: 0 }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect((await store.getJob(job.id))?.state).toBe('running');
    });

    it('refuses the report of a pilot whose lease the reaper ended (no retry rules)', async () => {
      const store = await withoutRetryRules(ctx.fresh());
      const { job, pilot } = await runningJob(store);
      await store.expireLeases(T0 + LEASE_MS + 1, 0);
      await expect(finish(store, job, pilot, { kind: 'exited', exitCode: 0 })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(await store.getJob(job.id)).toMatchObject({ state: 'failed', errorName: 'lost' });
    });
  });
}
