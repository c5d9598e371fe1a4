// Conformance: the reaper's watchdogs. The queue watchdog: a job waiting `defined` for a site past the site's queuelimit
// fails with queue_timeout in the reaper's transaction, never retried by the rules; jobs without a
// site, sites without a limit and jobs already taken are left alone; a workflow advances. The
// dispatch watchdog: a job dispatched past the timeout without a start is queued again, its pilot
// lets go of it, and that pilot's late start is refused as a lost lease.

import { describe, expect, it } from 'vitest';
import { LeaseLostError, parseSiteSpec, type RetryRuleSpec, type SiteSpec } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';
import { QUEUE_TIMEOUTS_PER_PASS } from '../../src/store/queue-timeout-queries.ts';
import {
  ANY,
  type ConformanceContext,
  claimedJob,
  LEASE_MS,
  registerPilot,
  runningJob,
  spec,
  T0,
} from './conformance-fixtures.ts';
import { createWorkflow, makeDag, statesOf } from './conformance-workflow-fixtures.ts';

function site(name: string, queuelimit: number | null): SiteSpec {
  const parsed = parseSiteSpec({ name, queuelimit });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.site;
}

/** A rule that would retry anything: a queue timeout must still not be retried. */
const RETRY_ALL: RetryRuleSpec = {
  name: 'everything',
  action: 'retry',
  maxAttempts: 5,
  delaySeconds: 0,
  delayFactor: 1,
  factor: null,
  cap: null,
  logOnly: false,
  match: { errorName: null, exitCode: null, signal: null, diagPattern: null, jobType: null, site: null },
};

async function submit(store: Store, siteName: string | null, now = T0) {
  const [job] = await store.submitJobs([spec({ site: siteName })], 'alice', now);
  if (!job) throw new Error('no job');
  return job;
}

export function describeWatchdogs(ctx: ConformanceContext): void {
  describe('queue watchdog', () => {
    it("stores a site's queuelimit and reads it back", async () => {
      const store = await ctx.fresh();
      await store.sites.defineSite(site('lxvm', 60), T0);
      expect((await store.sites.getSite('lxvm'))?.queuelimit).toBe(60);
      await store.sites.defineSite(site('lxvm', null), T0 + 1);
      expect((await store.sites.getSite('lxvm'))?.queuelimit).toBeNull();
    });

    it('fails a job past its site limit with queue_timeout, strictly after the deadline', async () => {
      const store = await ctx.fresh();
      await store.sites.defineSite(site('lxvm', 60), T0);
      const job = await submit(store, 'lxvm');
      expect((await store.runWatchdogs(T0 + 60_000, null)).queueTimedOut).toEqual([]);
      const [failed] = (await store.runWatchdogs(T0 + 60_001, null)).queueTimedOut;
      expect(failed).toMatchObject({
        id: job.id,
        state: 'failed',
        attempt: 1,
        errorName: 'queue_timeout',
        errorCode: 1600,
        endedAt: T0 + 60_001,
      });
      expect(failed?.errorDiag).toContain('queuelimit of 60s');
      const events = (await store.getJobDetail(job.id))?.events ?? [];
      expect(events.at(-1)).toMatchObject({ transition: 'expire', actor: 'reaper', toState: 'failed' });
      expect((await store.runWatchdogs(T0 + 120_000, null)).queueTimedOut).toEqual([]);
    });

    it('is never retried by the rules, even one matching every failure', async () => {
      const store = await ctx.fresh();
      await store.retryRules.addRetryRule(RETRY_ALL, 'admin', T0);
      await store.sites.defineSite(site('lxvm', 1), T0);
      const job = await submit(store, 'lxvm');
      (await store.runWatchdogs(T0 + 1001, null)).queueTimedOut;
      expect(await store.getJob(job.id)).toMatchObject({ state: 'failed', attempt: 1 });
    });

    it('leaves jobs without a site, sites without a limit, other sites and taken jobs alone', async () => {
      const store = await ctx.fresh();
      await store.sites.defineSite(site('lxvm', 60), T0);
      await store.sites.defineSite(site('nolimit', null), T0);
      const siteless = await submit(store, null);
      const unlimited = await submit(store, 'nolimit');
      const unknown = await submit(store, 'undefined-site');
      const taken = await submit(store, 'lxvm');
      // The siteless job, submitted first, goes to the first lxvm pilot; the lxvm job to the second.
      for (const expected of [siteless.id, taken.id]) {
        const pilot = await registerPilot(store, { site: 'lxvm' });
        const claim = await store.claimJob(pilot.uuid, { site: 'lxvm', jobTypes: [] }, LEASE_MS, T0);
        expect(claim?.job.id).toBe(expected);
      }
      const waiting = await submit(store, 'lxvm', T0 + 30_000);
      const expired = (await store.runWatchdogs(T0 + 70_000, null)).queueTimedOut;
      expect(expired).toEqual([]);
      const later = (await store.runWatchdogs(T0 + 90_001, null)).queueTimedOut;
      expect(later.map((j) => j.id)).toEqual([waiting.id]);
      for (const id of [unlimited.id, unknown.id]) expect((await store.getJob(id))?.state).toBe('defined');
      for (const id of [siteless.id, taken.id]) expect((await store.getJob(id))?.state).toBe('dispatched');
    });

    it('fails at most QUEUE_TIMEOUTS_PER_PASS jobs per pass, the rest at the next', async () => {
      const store = await ctx.fresh();
      await store.sites.defineSite(site('lxvm', 1), T0);
      const many = Array.from({ length: QUEUE_TIMEOUTS_PER_PASS + 1 }, () => spec({ site: 'lxvm' }));
      await store.submitJobs(many, 'alice', T0);
      expect((await store.runWatchdogs(T0 + 1001, null)).queueTimedOut).toHaveLength(QUEUE_TIMEOUTS_PER_PASS);
      expect((await store.runWatchdogs(T0 + 1002, null)).queueTimedOut).toHaveLength(1);
    });

    it('cancels the descendants of a workflow job it fails, and fails the workflow', async () => {
      const store = await ctx.fresh();
      await store.sites.defineSite(site('lxvm', 10), T0);
      const { workflow } = await createWorkflow(store, makeDag('a>b'));
      await ctx.exec(`UPDATE jobs SET site = 'lxvm' WHERE workflow_id = ${workflow.id}`);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'defined', b: 'template' });
      const expired = (await store.runWatchdogs(T0 + 10_001, null)).queueTimedOut;
      expect(expired).toHaveLength(1);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'failed', b: 'cancelled' });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('failed');
    });
  });

  describe('dispatch watchdog', () => {
    const TIMEOUT = 600_000;
    const startInput = (jobId: number, pilotUuid: string, attempt: number, now: number) => ({
      jobId,
      pilotUuid,
      attempt,
      pid: 7,
      metrics: null,
      leaseMs: LEASE_MS,
      now,
    });

    it('queues again a job dispatched past the timeout without a start, and refuses its late start', async () => {
      const store = await ctx.fresh();
      const woken: number[] = [];
      store.onSignal('jobs-available', () => woken.push(1));
      const { job, pilot } = await claimedJob(store);
      expect((await store.runWatchdogs(T0 + TIMEOUT, TIMEOUT)).requeued).toEqual([]);
      const at = T0 + TIMEOUT + 1;
      const { requeued } = await store.runWatchdogs(at, TIMEOUT);
      expect(requeued).toMatchObject([
        { id: job.id, state: 'defined', attempt: 1, pilotId: null, definedAt: at },
      ]);
      expect(woken.length).toBeGreaterThan(0);
      const events = (await store.getJobDetail(job.id))?.events ?? [];
      expect(events.at(-1)).toMatchObject({ transition: 'requeue', actor: 'reaper', toState: 'defined' });
      expect(events.at(-1)?.detail).toContain('did not start it 600s after its dispatch');
      expect(await store.getPilot(pilot.id)).toMatchObject({ state: 'idle', currentJobId: null });
      await expect(store.startJob(startInput(job.id, pilot.uuid, 1, at + 1))).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      // Another pilot takes it and starts it.
      const other = await registerPilot(store, {}, at + 2);
      const claim = await store.claimJob(other.uuid, ANY, LEASE_MS, at + 2);
      expect(claim?.job).toMatchObject({ id: job.id, attempt: 1 });
      await store.startJob(startInput(job.id, other.uuid, 1, at + 3));
      expect((await store.getJob(job.id))?.state).toBe('running');
    });

    it('leaves a dispatched job a user asked to kill: queued again it would run elsewhere', async () => {
      const store = await ctx.fresh();
      const { job } = await claimedJob(store);
      await store.killJob(job.id, 'alice', T0 + 1);
      expect((await store.runWatchdogs(T0 + 10 * TIMEOUT, TIMEOUT)).requeued).toEqual([]);
      expect((await store.getJob(job.id))?.state).toBe('dispatched');
    });

    it('leaves running jobs, and every job when the timeout is off', async () => {
      const store = await ctx.fresh();
      const running = await runningJob(store);
      const [waiting] = await store.submitJobs([spec()], 'alice', T0);
      const pilot = await registerPilot(store);
      await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0);
      expect((await store.runWatchdogs(T0 + 10 * TIMEOUT, null)).requeued).toEqual([]);
      const { requeued } = await store.runWatchdogs(T0 + 10 * TIMEOUT, TIMEOUT);
      expect(requeued.map((j) => j.id)).toEqual([waiting?.id]);
      expect((await store.getJob(running.job.id))?.state).toBe('running');
    });
  });
}
