// Conformance: what users do to jobs — kill (at once or via the pilot), retry as a new
// attempt, adjust a job not yet dispatched, and delete a job no pilot holds.

import { describe, expect, it } from 'vitest';
import { InvalidTransitionError, NotFoundError } from '../../src/core/index.ts';
import {
  ANY,
  type ConformanceContext,
  claimedJob,
  finish,
  LEASE_MS,
  registerPilot,
  runningJob,
  spec,
  T0,
} from './conformance-fixtures.ts';

export function describeJobCommands(ctx: ConformanceContext): void {
  describe('killJob', () => {
    it('cancels a defined or template job at once and records the ended attempt', async () => {
      const store = await ctx.fresh();
      const jobs = await store.submitJobs([spec(), spec({ state: 'template' })], 'alice', T0);
      for (const job of jobs) {
        const { job: killed, immediate } = await store.killJob(job.id, 'bob', T0 + 5);
        expect(immediate).toBe(true);
        expect(killed).toMatchObject({
          state: 'cancelled',
          errorName: 'killed',
          errorCode: 1201,
          endedAt: T0 + 5,
        });
        const detail = await store.getJobDetail(job.id);
        expect(detail?.events.at(-1)).toMatchObject({
          fromState: job.state,
          toState: 'cancelled',
          transition: 'cancel',
          actor: 'bob',
        });
        expect(detail?.attempts).toMatchObject([
          { attempt: 1, state: 'cancelled', errorName: 'killed', pilotId: null },
        ]);
      }
    });

    it('asks the pilot to kill a dispatched or running job, which then ends cancelled', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const { job: marked, immediate } = await store.killJob(job.id, 'bob', T0 + 5);
      expect(immediate).toBe(false);
      expect(marked).toMatchObject({ state: 'running', killRequested: true });
      expect((await store.killJob(job.id, 'bob', T0 + 6)).immediate).toBe(false);
      expect(await finish(store, job, pilot, { kind: 'killed' })).toMatchObject({
        state: 'cancelled',
        errorName: 'killed',
      });
    });

    it('refuses to kill an ended job and reports an unknown one', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      await finish(store, job, pilot, { kind: 'exited', exitCode: 0 });
      const error = await store.killJob(job.id, 'bob', T0).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.from).toBe('finished');
      await expect(store.killJob(999_999, 'bob', T0)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('retryJob', () => {
    it('makes a failed job defined again as the next attempt, keeping the old attempt', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      await finish(store, job, pilot, { kind: 'exited', exitCode: 2 });
      const retried = await store.retryJob(job.id, 'alice', T0 + 50);
      expect(retried).toMatchObject({
        state: 'defined',
        attempt: 2,
        pilotId: null,
        host: null,
        ranAtSite: null,
        pid: null,
        exitCode: null,
        errorName: null,
        errorCode: null,
        errorDiag: null,
        leaseExpiresAt: null,
        cpuSeconds: null,
        dispatchedAt: null,
        startedAt: null,
        endedAt: null,
        definedAt: T0 + 50,
        createdAt: T0,
      });
      const claim = await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0 + 60);
      expect(claim?.job).toMatchObject({ id: job.id, attempt: 2 });
      await finish(store, claim!.job, pilot, { kind: 'exited', exitCode: 0 }, T0 + 70);
      const detail = await store.getJobDetail(job.id);
      expect(detail?.attempts.map((a) => [a.attempt, a.state, a.exitCode])).toEqual([
        [1, 'failed', 2],
        [2, 'finished', 0],
      ]);
      expect(detail?.events.find((e) => e.transition === 'retry')).toMatchObject({
        fromState: 'failed',
        toState: 'defined',
        attempt: 2,
        actor: 'alice',
      });
    });

    it('retries a cancelled job and refuses jobs that did not fail', async () => {
      const store = await ctx.fresh();
      const [defined, other] = await store.submitJobs([spec(), spec()], 'alice', T0);
      await store.killJob(other!.id, 'alice', T0);
      expect((await store.retryJob(other!.id, 'alice', T0)).attempt).toBe(2);
      await expect(store.retryJob(defined!.id, 'alice', T0)).rejects.toBeInstanceOf(InvalidTransitionError);
      await expect(store.retryJob(999_999, 'alice', T0)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('adjustJob', () => {
    it('changes priority, time limit and env (null removes a variable)', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec({ env: { KEEP: '1', DROP: '2' } })], 'alice', T0);
      const adjusted = await store.adjustJob(
        job!.id,
        { priority: 7, timelimit: 60, env: { DROP: null, ADD: 'x' } },
        'alice',
        T0 + 1,
      );
      expect(adjusted).toMatchObject({
        priority: 7,
        timelimit: 60,
        env: { KEEP: '1', ADD: 'x' },
        state: 'defined',
      });
      expect(adjusted.env).not.toHaveProperty('DROP');
      expect((await store.getJobDetail(job!.id))?.events).toHaveLength(1);
    });

    it('parks a defined job and releases a template, with events', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec()], 'alice', T0);
      expect(await store.adjustJob(job!.id, { state: 'template' }, 'alice', T0 + 1)).toMatchObject({
        state: 'template',
      });
      expect(await store.claimJob((await registerPilot(store)).uuid, ANY, LEASE_MS, T0 + 2)).toBeNull();
      expect(await store.adjustJob(job!.id, { state: 'defined' }, 'bob', T0 + 3)).toMatchObject({
        state: 'defined',
        definedAt: T0 + 3,
      });
      const events = (await store.getJobDetail(job!.id))?.events ?? [];
      expect(events.map((e) => [e.transition, e.fromState, e.toState, e.actor])).toEqual([
        ['submit', null, 'defined', 'alice'],
        ['park', 'defined', 'template', 'alice'],
        ['release', 'template', 'defined', 'bob'],
      ]);
    });

    it('refuses to change a job once dispatched', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      const error = await store.adjustJob(job.id, { priority: 1 }, 'alice', T0).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error.from).toBe('dispatched');
      await finish(store, job, pilot, { kind: 'exited', exitCode: 0 });
      await expect(store.adjustJob(job.id, { state: 'defined' }, 'alice', T0)).rejects.toBeInstanceOf(
        InvalidTransitionError,
      );
      await expect(store.adjustJob(999_999, { priority: 1 }, 'alice', T0)).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });
  });

  describe('deleteJob', () => {
    it('deletes a job with its events, attempts and logs', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      await store.appendLog(job.id, 1, 'out', 0, Buffer.from('hello'), { headCap: 100, tailCap: 100 });
      await finish(store, job, pilot, { kind: 'exited', exitCode: 0 });
      const [other] = await store.submitJobs([spec()], 'alice', T0);
      await store.deleteJob(job.id, 'alice');
      await store.deleteJob(other!.id, 'alice');
      expect(await store.getJobDetail(job.id)).toBeUndefined();
      expect(await store.getLog(job.id, 1, 'out')).toBeUndefined();
      expect((await store.summary()).jobs.total).toBe(0);
      await expect(store.deleteJob(job.id, 'alice')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses to delete a job a pilot holds', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      await expect(store.deleteJob(job.id, 'alice')).rejects.toBeInstanceOf(InvalidTransitionError);
      await store.startJob({
        jobId: job.id,
        pilotUuid: pilot.uuid,
        attempt: 1,
        pid: 1,
        metrics: null,
        leaseMs: LEASE_MS,
        now: T0,
      });
      await expect(store.deleteJob(job.id, 'alice')).rejects.toBeInstanceOf(InvalidTransitionError);
      expect(await store.getJob(job.id)).toBeDefined();
    });
  });
}
