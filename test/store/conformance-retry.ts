// Conformance: retry rules are applied in the transaction that fails a job — the pilot's report,
// the lease reaper, a deregistration — with the shipped defaults, increases, delays, log-only
// rules, and a workflow job's descendants kept until its retries are spent.

import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  type Job,
  type Pilot,
  type RetryRuleSpec,
  ValidationError,
} from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';
import {
  ANY,
  type ConformanceContext,
  claimedJob,
  finish,
  LEASE_MS,
  registerPilot,
  runningJob,
  T0,
  withoutRetryRules,
} from './conformance-fixtures.ts';
import { createWorkflow, makeDag, statesOf, TestPilot } from './conformance-workflow-fixtures.ts';

function ruleSpec(
  overrides: Omit<Partial<RetryRuleSpec>, 'match'> & { match?: Partial<RetryRuleSpec['match']> } = {},
): RetryRuleSpec {
  return {
    name: 'rule',
    action: 'retry',
    maxAttempts: 3,
    delaySeconds: 0,
    delayFactor: 1,
    factor: null,
    cap: null,
    logOnly: false,
    ...overrides,
    match: {
      errorName: null,
      exitCode: null,
      signal: null,
      diagPattern: null,
      jobType: null,
      site: null,
      ...overrides.match,
    },
  };
}

/** A new pilot's claim, which must get a job. */
async function claimAnew(store: Store, now: number): Promise<{ job: Job; pilot: Pilot }> {
  const pilot = await registerPilot(store, {}, now);
  const claim = await store.claimJob(pilot.uuid, ANY, LEASE_MS, now);
  if (!claim) throw new Error('nothing to claim');
  return { job: claim.job, pilot };
}

async function history(store: Store, id: number) {
  return ((await store.getJobDetail(id))?.events ?? []).map((e) => [e.transition, e.actor, e.detail ?? '']);
}

export function describeRetryRules(ctx: ConformanceContext): void {
  describe('retry rules', () => {
    it('ships defaults: infrastructure failures are retried, a non-zero exit is not', async () => {
      const store = await ctx.fresh();
      const rules = await store.retryRules.listRetryRules();
      expect(rules.map((r) => [r.match.errorName, r.action, r.maxAttempts])).toEqual([
        ['lost', 'retry', 3],
        ['pilot_shutdown', 'retry', 3],
        ['server_unreachable', 'retry', 3],
        ['pilot_lifetime', 'retry', 3],
        ['exit_code', 'no_retry', 1],
      ]);
    });

    it('retries a lost job in the reaper transaction, and the history names the rule', async () => {
      const store = await ctx.fresh();
      const woken: number[] = [];
      store.onSignal('jobs-available', () => woken.push(1));
      const { job } = await runningJob(store);
      const now = T0 + LEASE_MS + 1;
      const { lostJobs } = await store.expireLeases(now, 0);
      expect(lostJobs).toMatchObject([{ id: job.id, state: 'failed', attempt: 1, errorName: 'lost' }]);
      expect(await store.getJob(job.id)).toMatchObject({ state: 'defined', attempt: 2, errorName: null });
      const rule = (await store.retryRules.getRetryRule(1))?.name;
      const events = await history(store, job.id);
      expect(events.at(-2)?.[2]).toContain(`retry rule 1 "${rule}": retried as attempt 2 of 3`);
      expect(events.at(-1)).toEqual(['retry', 'rule:1', `retry rule 1 "${rule}": retried as attempt 2 of 3`]);
      expect((await store.getJobDetail(job.id))?.attempts).toMatchObject([{ attempt: 1, errorName: 'lost' }]);
      expect(woken.length).toBeGreaterThan(0);
      // Attempt 2 is claimable and runs.
      const next = await claimAnew(store, now + 1);
      expect(next.job).toMatchObject({ id: job.id, attempt: 2 });
    });

    it('stops retrying when the attempts are spent', async () => {
      const store = await withoutRetryRules(ctx.fresh());
      await store.retryRules.addRetryRule(
        ruleSpec({ name: 'twice', match: { errorName: 'lost' }, maxAttempts: 2 }),
        'admin',
        T0,
      );
      const { job } = await runningJob(store);
      await store.expireLeases(T0 + LEASE_MS + 1, 0);
      const again = await claimAnew(store, T0 + LEASE_MS + 2);
      expect(again.job).toMatchObject({ id: job.id, attempt: 2 });
      await store.expireLeases(T0 + 2 * LEASE_MS + 3, 0);
      expect(await store.getJob(job.id)).toMatchObject({ state: 'failed', attempt: 2, errorName: 'lost' });
      expect((await history(store, job.id)).at(-1)?.[2]).toContain(
        'not retried: attempt 2 of 2 was the last',
      );
    });

    it("leaves a payload's non-zero exit failed after one attempt, naming the default rule", async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const ended = await finish(store, job, pilot, { kind: 'exited', exitCode: 2 });
      expect(ended).toMatchObject({ state: 'failed', attempt: 1, exitCode: 2 });
      expect((await history(store, job.id)).at(-1)).toEqual([
        'fail',
        `pilot:${pilot.uuid}`,
        `payload exited with status 2; retry rule 5 "a payload's own non-zero exit is not tried again": not retried`,
      ]);
    });

    it('gives the next attempt a longer time limit under increase_timelimit, up to the cap', async () => {
      const store = await ctx.fresh();
      await store.retryRules.addRetryRule(
        ruleSpec({
          name: 'slow',
          match: { errorName: 'timelimit' },
          action: 'increase_timelimit',
          factor: 2,
          cap: 150,
        }),
        'admin',
        T0,
      );
      const { job, pilot } = await runningJob(store);
      // The report is answered with the attempt as it ended; the job goes on as attempt 2.
      const ended = await finish(store, job, pilot, { kind: 'timelimit', timelimit: 100 });
      expect(ended).toMatchObject({ state: 'failed', attempt: 1, errorName: 'timelimit', timelimit: 100 });
      expect(await store.getJob(job.id)).toMatchObject({ state: 'defined', attempt: 2, timelimit: 150 });
      const second = await claimAnew(store, T0 + 2000);
      const last = await finish(
        store,
        second.job,
        second.pilot,
        { kind: 'timelimit', timelimit: 150 },
        T0 + 3000,
      );
      expect(last).toMatchObject({ state: 'failed', attempt: 2, timelimit: 150 });
      expect((await history(store, job.id)).at(-1)?.[2]).toContain('time limit 150 s is already at the cap');
    });

    it('gives the next attempt more memory under increase_memory', async () => {
      const store = await ctx.fresh();
      await store.retryRules.addRetryRule(
        ruleSpec({
          name: 'memory',
          match: { errorName: 'memory_exceeded' },
          action: 'increase_memory',
          factor: 2,
          cap: 4096,
        }),
        'admin',
        T0,
      );
      const { job, pilot } = await claimedJob(store, { spec: { memory: 200 } });
      await finish(store, job, pilot, {
        kind: 'memory_exceeded',
        detail: 'PSS 410 MiB > 200 MiB × 1.5',
      });
      expect(await store.getJob(job.id)).toMatchObject({ state: 'defined', attempt: 2, memory: 400 });
    });

    it('parks a retry with a delay until the reaper pass at its release time', async () => {
      const store = await withoutRetryRules(ctx.fresh());
      await store.retryRules.addRetryRule(
        ruleSpec({ name: 'later', match: { exitCode: 75 }, delaySeconds: 30, delayFactor: 2 }),
        'admin',
        T0,
      );
      const { job, pilot } = await runningJob(store);
      const at = T0 + 1000;
      await finish(store, job, pilot, { kind: 'exited', exitCode: 75 }, at);
      expect(await store.getJob(job.id)).toMatchObject({ state: 'template', attempt: 2 });
      expect(await store.releaseDeferredJobs(at + 29_999)).toEqual([]);
      expect(await store.claimJob(pilot.uuid, ANY, LEASE_MS, at + 29_999)).toBeNull();
      const released = await store.releaseDeferredJobs(at + 30_000);
      expect(released).toMatchObject([{ id: job.id, state: 'defined', attempt: 2 }]);
      expect((await history(store, job.id)).at(-1)).toEqual([
        'release',
        'retry-timer',
        `its retry delay ended at ${new Date(at + 30_000).toISOString()}`,
      ]);
      const claim = await store.claimJob(pilot.uuid, ANY, LEASE_MS, at + 30_001);
      expect(claim?.job).toMatchObject({ id: job.id, attempt: 2 });
    });

    it('records what a log-only rule would have done, and does nothing', async () => {
      const store = await ctx.fresh();
      await store.retryRules.addRetryRule(
        ruleSpec({ name: 'trial', match: { exitCode: 3 }, logOnly: true }),
        'admin',
        T0,
      );
      const { job, pilot } = await runningJob(store);
      expect(await finish(store, job, pilot, { kind: 'exited', exitCode: 3 })).toMatchObject({
        state: 'failed',
      });
      expect((await history(store, job.id)).at(-1)?.[2]).toContain(
        'retry rule 6 "trial" (log only): would have retried as attempt 2 of 3',
      );
    });

    it('never retries a job someone asked to kill, whatever ended its attempt', async () => {
      const store = await ctx.fresh();
      const { job } = await runningJob(store);
      await store.killJob(job.id, 'alice', T0 + 1);
      await store.expireLeases(T0 + LEASE_MS + 1, 0);
      expect(await store.getJob(job.id)).toMatchObject({ state: 'failed', attempt: 1, errorName: 'lost' });
      expect((await history(store, job.id)).at(-1)?.[2]).toContain('not retried: a kill was requested');
    });

    it("retries a pilot's jobs when it deregisters while holding them", async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      await store.deregisterPilot(pilot.uuid, T0 + 5);
      expect(await store.getJob(job.id)).toMatchObject({ state: 'defined', attempt: 2 });
      expect((await store.getJobDetail(job.id))?.attempts).toMatchObject([{ errorName: 'pilot_shutdown' }]);
    });

    it("keeps a workflow job's descendants while it will be retried, and cancels them when spent", async () => {
      const store = await withoutRetryRules(ctx.fresh());
      await store.retryRules.addRetryRule(
        ruleSpec({ name: 'lost', match: { errorName: 'lost' }, maxAttempts: 2 }),
        'admin',
        T0,
      );
      const { workflow } = await createWorkflow(store, makeDag('a>b'));
      const pilot = await TestPilot.register(store);
      await pilot.claim(T0);
      await store.expireLeases(T0 + LEASE_MS + 1, 0);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'defined', b: 'template' });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).not.toBe('failed');
      const other = await TestPilot.register(store);
      await other.claim(T0 + LEASE_MS + 2);
      await store.expireLeases(T0 + 2 * LEASE_MS + 3, 0);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'failed', b: 'cancelled' });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('failed');
    });

    it('counts a deferred retry in a workflow as queued: the workflow stays started, and the job can be killed', async () => {
      const store = await withoutRetryRules(ctx.fresh());
      await store.retryRules.addRetryRule(
        ruleSpec({ name: 'later', match: { errorName: 'lost' }, delaySeconds: 60 }),
        'admin',
        T0,
      );
      const { workflow, jobs } = await createWorkflow(store, makeDag('a>b'));
      const pilot = await TestPilot.register(store);
      await pilot.claim(T0);
      await store.expireLeases(T0 + LEASE_MS + 1, 0);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'template', b: 'template' });
      // Started and queued, as before the failure: not a workflow that was never started.
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('defined');
      const a = jobs.find((j) => j.name === 'a') as { id: number };
      expect((await store.killJob(a.id, 'alice', T0 + LEASE_MS + 2)).job).toMatchObject({
        state: 'cancelled',
      });
      expect(await store.releaseDeferredJobs(T0 + LEASE_MS + 60_001)).toEqual([]);
    });

    it('refuses a rule that cannot be applied, or a name already taken; finds and deletes by id or name', async () => {
      const store = await ctx.fresh();
      const bad = await store.retryRules
        .addRetryRule(ruleSpec({ name: 'bad', match: { diagPattern: '(' } }), 'admin', T0)
        .catch((e) => e);
      expect(bad).toBeInstanceOf(ValidationError);
      expect(bad.details).toMatchObject([{ path: '/match/diagPattern' }]);
      const slow = await store.retryRules
        .addRetryRule(ruleSpec({ name: 'slow', match: { diagPattern: '(a+)+$' } }), 'admin', T0)
        .catch((e) => e);
      expect(slow.details).toMatchObject([
        { path: '/match/diagPattern', message: expect.stringMatching(/exponential/) },
      ]);
      const added = await store.retryRules.addRetryRule(ruleSpec({ name: 'mine' }), 'alice', T0);
      expect(added).toMatchObject({ name: 'mine', createdBy: 'alice', createdAt: T0, logOnly: false });
      await expect(
        store.retryRules.addRetryRule(ruleSpec({ name: 'mine' }), 'alice', T0),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await store.retryRules.getRetryRule('mine')).toEqual(added);
      expect(await store.retryRules.getRetryRule(added.id)).toEqual(added);
      expect(await store.retryRules.deleteRetryRule('mine')).toBe(true);
      expect(await store.retryRules.deleteRetryRule(added.id)).toBe(false);
      expect((await store.retryRules.listRetryRules()).map((r) => r.name)).not.toContain('mine');
    });
  });
}
