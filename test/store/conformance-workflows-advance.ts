// Conformance: workflows advance in the transaction that ends a job — AND-joins, noops anywhere,
// failures cancelling what depends on them, retries reopening it, cancel — atomically, and (on
// PostgreSQL) correctly when two servers end the parents of one join at the same moment.

import { describe, expect, it, vi } from 'vitest';
import { InvalidTransitionError, type Job } from '../../src/core/index.ts';
import { type ConformanceContext, LEASE_MS, T0, withoutRetryRules } from './conformance-fixtures.ts';
import { createWorkflow, makeDag, statesOf, TestPilot } from './conformance-workflow-fixtures.ts';

const DIAMOND = 'a>b a>c b>d c>d';

export function describeWorkflowAdvance(ctx: ConformanceContext): void {
  describe('advancing workflows', () => {
    it('releases a child when its parent finishes, in the same transaction, and finishes the workflow', async () => {
      const store = await ctx.fresh();
      const { workflow, jobs } = await createWorkflow(store, makeDag('a>b b>c'));
      const pilot = await TestPilot.register(store);
      const a = (await pilot.claim(T0 + 5))!;
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('running');
      await pilot.finish(a, undefined, T0 + 10);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'finished', b: 'defined', c: 'template' });
      const events = (await store.getJobDetail(jobs[1]!.id))?.events ?? [];
      expect(events.at(-1)).toMatchObject({
        fromState: 'template',
        toState: 'defined',
        transition: 'release',
        actor: 'workflow',
        detail: 'parents_finished',
        at: T0 + 10,
      });
      const detail = await store.workflows.getWorkflow(workflow.id);
      expect(detail?.files.map((f) => f.state)).toEqual(['ready', 'template']);
      expect(await pilot.runAll([], T0 + 20)).toEqual(['b', 'c']);
      const done = await store.workflows.getWorkflow(workflow.id);
      expect(done?.workflow).toMatchObject({ state: 'finished', endedAt: T0 + 20 });
      expect(done?.workflow.counts).toMatchObject({ finished: 3, total: 3 });
      expect(done?.files.map((f) => f.state)).toEqual(['ready', 'ready']);
    });

    it('holds a join until ALL its parents finished', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag(DIAMOND));
      const pilot = await TestPilot.register(store);
      await pilot.finish((await pilot.claim())!);
      const b = (await pilot.claim())!;
      const c = (await pilot.claim())!;
      expect([b.name, c.name]).toEqual(['b', 'c']);
      await pilot.finish(b);
      expect((await statesOf(store, workflow.id)).d).toBe('template');
      await pilot.finish(c);
      expect((await statesOf(store, workflow.id)).d).toBe('defined');
    });

    it('completes noops wherever they sit, without a pilot', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('s>m m>t t>z', ['m', 'z']));
      const pilot = await TestPilot.register(store);
      expect(await pilot.runAll()).toEqual(['s', 't']);
      expect(await statesOf(store, workflow.id)).toEqual({
        s: 'finished',
        m: 'finished',
        t: 'finished',
        z: 'finished',
      });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('finished');
    });

    it('starts every source of a multi-source DAG', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('a>c b>c'));
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'defined', b: 'defined', c: 'template' });
      expect(await (await TestPilot.register(store)).runAll()).toEqual(['a', 'b', 'c']);
    });

    it('cancels the descendants of a failed job, lets other branches run, then ends failed', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('a>b b>d a>c c>e d>f e>f'));
      const pilot = await TestPilot.register(store);
      await pilot.finish((await pilot.claim())!);
      const b = (await pilot.claim())!;
      await pilot.finish(b, { kind: 'exited', exitCode: 3 });
      expect(await statesOf(store, workflow.id)).toMatchObject({
        b: 'failed',
        d: 'cancelled',
        f: 'cancelled',
        c: 'defined',
      });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('running');
      const d = (await store.workflows.getWorkflow(workflow.id))?.jobs.find((j) => j.name === 'd');
      expect(d).toMatchObject({
        errorName: 'ancestor_ended',
        errorCode: 1202,
        errorDiag: `workflow ${workflow.id}: ancestor b failed`,
      });
      expect(await pilot.runAll()).toEqual(['c', 'e']);
      const detail = await store.workflows.getWorkflow(workflow.id);
      expect(detail?.workflow).toMatchObject({ state: 'failed' });
      expect(detail?.workflow.endedAt).not.toBeNull();
      expect(detail?.files.find((f) => f.source === 'b')?.state).toBe('failed');
    });

    it('fails a lost job through the reaper and cancels what depends on it (no retry rules)', async () => {
      const store = await withoutRetryRules(ctx.fresh());
      const { workflow } = await createWorkflow(store, makeDag('a>b'));
      const pilot = await TestPilot.register(store);
      await pilot.claim(T0);
      const { lostJobs } = await store.expireLeases(T0 + LEASE_MS + 1, 0);
      expect(lostJobs.map((j) => j.name)).toEqual(['a']);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'failed', b: 'cancelled' });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('failed');
    });

    it('cancels at once on a kill of a waiting job, and after the pilot reports on a running one', async () => {
      const store = await ctx.fresh();
      const { workflow, jobs } = await createWorkflow(store, makeDag('a>b b>c x>y'));
      const pilot = await TestPilot.register(store);
      const a = (await pilot.claim())!;
      expect((await store.killJob(jobs[3]!.id, 'bob', T0)).immediate).toBe(true);
      expect(await statesOf(store, workflow.id)).toMatchObject({ x: 'cancelled', y: 'cancelled' });
      expect((await store.killJob(a.id, 'bob', T0)).immediate).toBe(false);
      expect((await statesOf(store, workflow.id)).b).toBe('template');
      await pilot.finish(a, { kind: 'killed' });
      expect(await statesOf(store, workflow.id)).toEqual({
        a: 'cancelled',
        b: 'cancelled',
        c: 'cancelled',
        x: 'cancelled',
        y: 'cancelled',
      });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('cancelled');
    });

    it('retries one job only when its parents finished, and the retry reopens what it cancelled', async () => {
      const store = await ctx.fresh();
      const { workflow, jobs } = await createWorkflow(store, makeDag('a>b b>c'));
      const byName = (name: string) => jobs.find((j) => j.name === name) as Job;
      const pilot = await TestPilot.register(store);
      expect(await pilot.runAll(['b'])).toEqual(['a', 'b']);
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('failed');
      const refused = await store.retryJob(byName('c').id, 'alice', T0).catch((e) => e);
      expect(refused).toBeInstanceOf(InvalidTransitionError);
      expect(refused.message).toContain(`p3s workflow retry ${workflow.id}`);
      expect(await store.retryJob(byName('b').id, 'alice', T0)).toMatchObject({
        state: 'defined',
        attempt: 2,
      });
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'finished', b: 'defined', c: 'template' });
      // Running again: a (finished) has already progressed past defined.
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow).toMatchObject({
        state: 'running',
        endedAt: null,
      });
      expect(await pilot.runAll()).toEqual(['b', 'c']);
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('finished');
      // The reopened job ran as its next attempt: its cancelled attempt 1 stays in its history.
      const c = await store.getJobDetail(byName('c').id);
      expect(c?.attempts.map((x) => [x.attempt, x.state])).toEqual([
        [1, 'cancelled'],
        [2, 'finished'],
      ]);
      expect(c?.events.map((e) => e.transition)).toEqual([
        'submit',
        'cancel',
        'reopen',
        'release',
        'claim',
        'finish',
      ]);
    });

    it('retries a failed workflow: failed jobs re-queued, cancelled ones reopened, then it finishes', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('a>b a>c b>d c>d d>e', ['e']));
      const pilot = await TestPilot.register(store);
      expect(await pilot.runAll(['b', 'c'])).toEqual(['a', 'b', 'c']);
      expect(await statesOf(store, workflow.id)).toMatchObject({ d: 'cancelled', e: 'cancelled' });
      const retried = await store.workflows.retryWorkflow(workflow.id, 'alice', T0 + 50);
      expect(retried).toMatchObject({ state: 'running', endedAt: null });
      expect(await statesOf(store, workflow.id)).toEqual({
        a: 'finished',
        b: 'defined',
        c: 'defined',
        d: 'template',
        e: 'template',
      });
      expect(await pilot.runAll()).toEqual(['b', 'c', 'd']);
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('finished');
      await expect(store.workflows.retryWorkflow(workflow.id, 'alice', T0)).rejects.toBeInstanceOf(
        InvalidTransitionError,
      );
    });

    it('cancels a workflow: waiting jobs at once, running ones by their pilots; a retry resumes it', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('a>b x>y'));
      const pilot = await TestPilot.register(store);
      const a = (await pilot.claim())!;
      const cancelled = await store.workflows.cancelWorkflow(workflow.id, 'bob', T0 + 5);
      expect(cancelled.state).toBe('running');
      expect(await statesOf(store, workflow.id)).toEqual({
        a: 'dispatched',
        b: 'cancelled',
        x: 'cancelled',
        y: 'cancelled',
      });
      expect((await store.getJob(a.id))?.killRequested).toBe(true);
      await pilot.finish(a, { kind: 'killed' });
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('cancelled');
      await expect(store.workflows.cancelWorkflow(workflow.id, 'bob', T0)).rejects.toBeInstanceOf(
        InvalidTransitionError,
      );
      await store.workflows.retryWorkflow(workflow.id, 'bob', T0 + 10);
      expect(await pilot.runAll()).toEqual(['a', 'b', 'x', 'y']);
      expect((await store.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('finished');
    });

    it('starts a template workflow once, and cancels one that never started', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('a>b'), { state: 'template' });
      const { workflow: other } = await createWorkflow(store, makeDag('a>b'), { state: 'template' });
      await expect(
        store.killJob((await store.workflows.getWorkflow(workflow.id))!.jobs[0]!.id, 'bob', T0),
      ).rejects.toThrow(/start the workflow first/);
      expect(await store.workflows.startWorkflow(workflow.id, 'alice', T0 + 1)).toMatchObject({
        state: 'defined',
        startedAt: T0 + 1,
      });
      await expect(store.workflows.startWorkflow(workflow.id, 'alice', T0)).rejects.toBeInstanceOf(
        InvalidTransitionError,
      );
      expect((await store.workflows.cancelWorkflow(other.id, 'bob', T0)).state).toBe('cancelled');
      expect(await statesOf(store, other.id)).toEqual({ a: 'cancelled', b: 'cancelled' });
    });

    it('signals "jobs available" when a parent releases its children and when a workflow starts', async () => {
      const store = await ctx.fresh();
      const listener = vi.fn();
      store.onSignal('jobs-available', listener);
      const fired = async (action: () => Promise<unknown>) => {
        listener.mockClear();
        await action();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return listener.mock.calls.length > 0;
      };
      const { workflow } = await createWorkflow(store, makeDag('a>b b>c'), { state: 'template' });
      expect(await fired(() => store.workflows.startWorkflow(workflow.id, 'alice', T0))).toBe(true);
      const pilot = await TestPilot.register(store);
      const a = (await pilot.claim())!;
      expect(await fired(() => pilot.finish(a))).toBe(true);
      const b = (await pilot.claim())!;
      expect(await fired(() => pilot.finish(b, { kind: 'exited', exitCode: 1 }))).toBe(false);
    });

    it('ends a job and releases its children all or nothing', async () => {
      const store = await ctx.fresh();
      const { workflow } = await createWorkflow(store, makeDag('a>b a>c'));
      const pilot = await TestPilot.register(store);
      const a = (await pilot.claim())!;
      // A trigger makes releasing c fail half-way through advancing.
      await ctx.exec(
        ctx.dialect === 'postgres'
          ? `CREATE FUNCTION p3s_test_boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER p3s_test_boom BEFORE UPDATE ON jobs FOR EACH ROW
             WHEN (NEW.name = 'c' AND NEW.state = 'defined') EXECUTE FUNCTION p3s_test_boom();`
          : `CREATE TRIGGER p3s_test_boom BEFORE UPDATE ON jobs WHEN NEW.name = 'c' AND NEW.state = 'defined'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;`,
      );
      try {
        await expect(pilot.finish(a)).rejects.toThrow(/boom/);
        expect(await statesOf(store, workflow.id)).toEqual({ a: 'dispatched', b: 'template', c: 'template' });
        expect((await store.getJobDetail(a.id))?.attempts).toEqual([]);
      } finally {
        await ctx.exec(
          ctx.dialect === 'postgres'
            ? 'DROP TRIGGER p3s_test_boom ON jobs; DROP FUNCTION p3s_test_boom();'
            : 'DROP TRIGGER p3s_test_boom;',
        );
      }
      await pilot.finish(a);
      expect(await statesOf(store, workflow.id)).toEqual({ a: 'finished', b: 'defined', c: 'defined' });
    });

    it.runIf(ctx.dialect === 'postgres')(
      'releases a join when two servers end both its parents at the same moment',
      async () => {
        const one = await ctx.fresh();
        const two = await ctx.reopen();
        for (let round = 0; round < 5; round++) {
          const { workflow } = await createWorkflow(one, makeDag(DIAMOND), { name: `d${round}` });
          const p1 = await TestPilot.register(one);
          const p2 = await TestPilot.register(two);
          await p1.finish((await p1.claim())!);
          const b = (await p1.claim())!;
          const c = (await p2.claim())!;
          await Promise.all([p1.finish(b), p2.finish(c)]);
          expect((await statesOf(one, workflow.id)).d).toBe('defined');
          await p1.finish((await p1.claim())!);
          expect((await one.workflows.getWorkflow(workflow.id))?.workflow.state).toBe('finished');
        }
      },
    );

    it('runs a random 300-vertex DAG to the end, every job once and after all its parents', async () => {
      const store = await ctx.fresh();
      const dag = randomDag(300, 11);
      const { workflow } = await createWorkflow(store, dag);
      const pilot = await TestPilot.register(store);
      const ran = await pilot.runAll();
      const detail = await store.workflows.getWorkflow(workflow.id);
      expect(detail?.workflow.state).toBe('finished');
      const runners = dag.vertices.filter((v) => v.jobtype !== 'noop').map((v) => v.name);
      expect([...ran].sort()).toEqual([...runners].sort());
      // Job ids and end times follow the events: order of completion is the order of `finish`/`complete` events.
      const ended = new Map<string, number>();
      for (const job of detail?.jobs ?? []) {
        const events = (await store.getJobDetail(job.id))?.events ?? [];
        ended.set(job.name, events.find((e) => e.toState === 'finished')?.id ?? Number.NaN);
      }
      for (const edge of dag.edges) {
        expect(ended.get(edge.source)! < ended.get(edge.target)!, `${edge.source} → ${edge.target}`).toBe(
          true,
        );
      }
    }, 120_000);
  });
}

/** A seeded random DAG: edges only from lower to higher rank; some noops, some parallel edges. */
function randomDag(n: number, seed: number) {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pairs: string[] = [];
  const noop: string[] = [];
  for (let r = 1; r < n; r++) {
    const parents = Math.floor(random() * 4);
    for (let p = 0; p < parents; p++) {
      const source = r - 1 - Math.floor(random() * Math.min(r, 30));
      pairs.push(`v${source}>v${r}`);
      if (random() < 0.05) pairs.push(`v${source}>v${r}`);
    }
    if (parents === 0) pairs.push(`v${r}>v${r}x`);
    if (random() < 0.1) noop.push(`v${r}`);
  }
  return makeDag(pairs.join(' '), noop);
}
