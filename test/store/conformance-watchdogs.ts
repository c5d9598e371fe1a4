// Conformance: the queue watchdog — a job waiting `defined` for a site past the site's queuelimit
// fails with queue_timeout in the reaper's transaction, never retried by the rules; jobs without a
// site, sites without a limit and jobs already taken are left alone; a workflow advances.

import { describe, expect, it } from 'vitest';
import { parseSiteSpec, type RetryRuleSpec, type SiteSpec } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';
import { type ConformanceContext, LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';
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
      expect(await store.expireQueuedJobs(T0 + 60_000)).toEqual([]);
      const [failed] = await store.expireQueuedJobs(T0 + 60_001);
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
      expect(await store.expireQueuedJobs(T0 + 120_000)).toEqual([]);
    });

    it('is never retried by the rules, even one matching every failure', async () => {
      const store = await ctx.fresh();
      await store.retryRules.addRetryRule(RETRY_ALL, 'admin', T0);
      await store.sites.defineSite(site('lxvm', 1), T0);
      const job = await submit(store, 'lxvm');
      await store.expireQueuedJobs(T0 + 1001);
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
      const expired = await store.expireQueuedJobs(T0 + 70_000);
      expect(expired).toEqual([]);
      const later = await store.expireQueuedJobs(T0 + 90_001);
      expect(later.map((j) => j.id)).toEqual([waiting.id]);
      for (const id of [unlimited.id, unknown.id]) expect((await store.getJob(id))?.state).toBe('defined');
      for (const id of [siteless.id, taken.id]) expect((await store.getJob(id))?.state).toBe('dispatched');
    });

    it('cancels the descendants of a workflow job it fails, and fails the workflow', async () => {
      const store = await ctx.fresh();
      await store.sites.defineSite(site('lxvm', 10), T0);
      const { workflow } = await createWorkflow(store, makeDag('a>b'));
      await ctx.exec(`UPDATE jobs SET site = 'lxvm' WHERE workflow_id = ${workflow.id}`);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'defined', b: 'template' });
      const expired = await store.expireQueuedJobs(T0 + 10_001);
      expect(expired).toHaveLength(1);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'failed', b: 'cancelled' });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('failed');
    });
  });
}
