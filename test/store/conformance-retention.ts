// Conformance: retention — purging old jobs (with events, attempts, logs), pilots and workflows
// (with jobs and files) page by page, never running work, with dry runs and full records.

import { describe, expect, it } from 'vitest';
import type { PurgeQuery, Store } from '../../src/store/index.ts';
import {
  type ConformanceContext,
  claimedJob,
  finish,
  registerPilot,
  runningJob,
  spec,
  T0,
} from './conformance-fixtures.ts';
import { createWorkflow, makeDag, TestPilot } from './conformance-workflow-fixtures.ts';

const CAPS = { headCap: 1024, tailCap: 1024 };
const CUTOFF = T0 + 50_000;

function query(over: Partial<PurgeQuery> = {}): PurgeQuery {
  return {
    what: 'jobs',
    before: CUTOFF,
    states: ['finished', 'failed', 'cancelled'],
    afterId: 0,
    limit: 100,
    dryRun: false,
    withRecords: false,
    ...over,
  };
}

async function cancelledJobs(store: Store, n: number, now = T0): Promise<number[]> {
  const jobs = await store.submitJobs(
    Array.from({ length: n }, () => spec()),
    'alice',
    now,
  );
  for (const job of jobs) await store.killJob(job.id, 'alice', now);
  return jobs.map((j) => j.id);
}

export function describeRetention(ctx: ConformanceContext): void {
  describe('retention: jobs', () => {
    it('purges old ended jobs with their events, attempts and logs, and never running work', async () => {
      const store = await ctx.fresh();
      const running = (await runningJob(store)).job;
      const dispatched = (await claimedJob(store)).job;
      const done = await claimedJob(store);
      await finish(store, done.job, done.pilot, { kind: 'exited', exitCode: 0 }, T0 + 1000);
      await store.appendLog(done.job.id, 1, 'out', 0, Buffer.from('hello\n'), CAPS);
      const bad = await claimedJob(store);
      await finish(store, bad.job, bad.pilot, { kind: 'exited', exitCode: 2 }, T0 + 1000);
      const recent = await claimedJob(store, { now: T0 + 90_000 });
      await finish(store, recent.job, recent.pilot, { kind: 'exited', exitCode: 0 }, T0 + 90_000);
      const [cancelled] = await cancelledJobs(store, 1, T0 + 1000);
      const [waiting] = await store.submitJobs([spec()], 'alice', T0);

      const result = await store.retention.purge(query());
      expect(result).toEqual({ ids: [done.job.id, bad.job.id, cancelled], records: [], next: null });
      expect(await store.getJobDetail(done.job.id)).toBeUndefined();
      expect(await store.getLog(done.job.id, 1, 'out')).toBeUndefined();
      for (const kept of [running.id, dispatched.id, recent.job.id, waiting!.id])
        expect(await store.getJob(kept)).toBeDefined();

      // Asking for every purgeable state still leaves the live ones; defined jobs go when asked for.
      const all = await store.retention.purge(
        query({ states: ['template', 'defined', 'finished', 'failed', 'cancelled'] }),
      );
      expect(all.ids).toEqual([waiting!.id]);
      expect((await store.getJob(running.id))?.state).toBe('running');
      expect((await store.getJob(dispatched.id))?.state).toBe('dispatched');
    });

    it('changes nothing in a dry run, and returns each job with its history when asked', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      await finish(store, job, pilot, { kind: 'exited', exitCode: 0 });
      const result = await store.retention.purge(query({ dryRun: true, withRecords: true }));
      expect(result.ids).toEqual([job.id]);
      expect(result.records).toEqual([
        {
          job: expect.objectContaining({ id: job.id, state: 'finished' }),
          events: expect.arrayContaining([expect.objectContaining({ toState: 'finished' })]),
          attempts: [expect.objectContaining({ attempt: 1, state: 'finished' })],
        },
      ]);
      expect(result.records[0]).toHaveProperty('events.length', 3);
      expect(await store.getJobDetail(job.id)).toEqual(
        expect.objectContaining({ job: expect.objectContaining({ state: 'finished' }) }),
      );
      const real = await store.retention.purge(query({ withRecords: true }));
      expect(real.records).toEqual(result.records);
      expect(await store.getJob(job.id)).toBeUndefined();
    });

    it('pages through matches in id order, and can be limited to given ids', async () => {
      const store = await ctx.fresh();
      const ids = await cancelledJobs(store, 5);
      const page = (afterId: number) => store.retention.purge(query({ dryRun: true, limit: 2, afterId }));
      expect(await page(0)).toMatchObject({ ids: ids.slice(0, 2), next: ids[1] });
      expect(await page(ids[1]!)).toMatchObject({ ids: ids.slice(2, 4), next: ids[3] });
      expect(await page(ids[3]!)).toMatchObject({ ids: ids.slice(4), next: null });
      expect((await store.retention.purge(query({ ids: [ids[1]!, ids[3]!] }))).ids).toEqual([ids[1], ids[3]]);
      expect((await store.retention.purge(query({ ids: [ids[0]!, 999_999] }))).ids).toEqual([ids[0]]);
      expect((await store.retention.purge(query({ ids: [] }))).ids).toEqual([]);
      expect((await store.retention.purge(query({ states: [] }))).ids).toEqual([]);
      expect((await store.retention.purge(query())).ids).toEqual([ids[2], ids[4]]);
    });

    it('keeps jobs whose last change is not older than the cutoff', async () => {
      const store = await ctx.fresh();
      const [old] = await cancelledJobs(store, 1, CUTOFF - 1);
      await cancelledJobs(store, 1, CUTOFF);
      expect((await store.retention.purge(query())).ids).toEqual([old]);
    });
  });

  describe('retention: pilots', () => {
    it('purges stopped and lost pilots silent since before the cutoff, never live ones', async () => {
      const store = await ctx.fresh();
      const lost = await registerPilot(store, {}, T0);
      await store.expireLeases(T0 + 10_000, T0 + 1);
      const stopped = await registerPilot(store, {}, T0);
      await store.deregisterPilot(stopped.uuid, T0 + 1000);
      const busy = (await runningJob(store)).pilot;
      const idle = await registerPilot(store, {}, T0);
      const recent = await registerPilot(store, {}, T0 + 90_000);
      await store.deregisterPilot(recent.uuid, T0 + 90_000);
      expect((await store.getPilot(lost.id))?.state).toBe('lost');

      const dry = await store.retention.purge(
        query({ what: 'pilots', states: ['stopped', 'lost'], dryRun: true, withRecords: true }),
      );
      expect(dry.ids).toEqual([lost.id, stopped.id]);
      expect(dry.records).toEqual([
        { pilot: expect.objectContaining({ uuid: lost.uuid, state: 'lost' }) },
        { pilot: expect.objectContaining({ uuid: stopped.uuid, state: 'stopped' }) },
      ]);
      const result = await store.retention.purge(query({ what: 'pilots', states: ['stopped', 'lost'] }));
      expect(result.ids).toEqual([lost.id, stopped.id]);
      expect(await store.getPilot(lost.id)).toBeUndefined();
      for (const kept of [busy, idle, recent]) expect(await store.getPilot(kept.id)).toBeDefined();
    });

    it('keeps the jobs a purged pilot ran', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await claimedJob(store);
      await finish(store, job, pilot, { kind: 'exited', exitCode: 0 });
      await store.deregisterPilot(pilot.uuid, T0 + 2000);
      await store.retention.purge(query({ what: 'pilots', states: ['stopped'] }));
      expect(await store.getPilot(pilot.id)).toBeUndefined();
      expect(await store.getJob(job.id)).toMatchObject({ state: 'finished', pilotId: pilot.id });
    });
  });

  describe('retention: workflows', () => {
    it('leaves workflow jobs to their workflow, which goes with its jobs and files', async () => {
      const store = await ctx.fresh();
      const workflow = await createWorkflow(store, makeDag('a>b'));
      await (await TestPilot.register(store)).runAll();
      const detail = await store.workflows.getWorkflow(workflow.workflow.id);
      expect(detail?.workflow.state).toBe('finished');
      const jobIds = (detail?.jobs ?? []).map((j) => j.id);
      expect(jobIds).toHaveLength(2);

      expect((await store.retention.purge(query({ before: T0 + 1_000_000 }))).ids).toEqual([]);
      const dry = await store.retention.purge(
        query({ what: 'workflows', before: T0 + 1_000_000, dryRun: true, withRecords: true }),
      );
      expect(dry.ids).toEqual([workflow.workflow.id]);
      expect(dry.records).toEqual([
        {
          workflow: expect.objectContaining({ id: workflow.workflow.id, state: 'finished' }),
          jobs: [
            expect.objectContaining({ job: expect.objectContaining({ id: jobIds[0] }) }),
            expect.objectContaining({ job: expect.objectContaining({ id: jobIds[1] }) }),
          ],
          datasets: [expect.objectContaining({ workflowId: workflow.workflow.id })],
        },
      ]);
      const result = await store.retention.purge(query({ what: 'workflows', before: T0 + 1_000_000 }));
      expect(result.ids).toEqual([workflow.workflow.id]);
      expect(await store.workflows.getWorkflow(workflow.workflow.id)).toBeUndefined();
      for (const id of jobIds) expect(await store.getJob(id)).toBeUndefined();
      expect((await store.workflows.listDatasets({ workflowId: workflow.workflow.id }, 10, 0)).total).toBe(0);
    });

    it('never purges a workflow while a pilot holds one of its jobs', async () => {
      const store = await ctx.fresh();
      const workflow = await createWorkflow(store, makeDag('a>b'));
      const pilot = await TestPilot.register(store);
      const a = await pilot.claim();
      expect(a?.name).toBe('a');
      // Whatever its recorded state, a workflow with a dispatched job is running work.
      await ctx.exec(`UPDATE workflows SET state = 'failed' WHERE id = ${workflow.workflow.id}`);
      const purge = () =>
        store.retention.purge(query({ what: 'workflows', states: ['failed'], before: T0 + 1_000_000 }));
      expect((await purge()).ids).toEqual([]);
      await pilot.finish(a!, { kind: 'exited', exitCode: 1 });
      expect((await purge()).ids).toEqual([workflow.workflow.id]);
    });
  });
}
