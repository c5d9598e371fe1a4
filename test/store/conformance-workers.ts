// Conformance: workers — recorded as submitted or refused, linked to the pilot that registers with
// their batch id, moved by compare-and-set as the batch system reports, counted for the factory's
// decision, removed on request; sites drained and resumed.

import { describe, expect, it } from 'vitest';
import { InvalidTransitionError, NotFoundError, parseSiteSpec, type SiteSpec } from '../../src/core/index.ts';
import type { Store } from '../../src/store/index.ts';
import { newWorker } from '../helpers/workers.ts';
import { type ConformanceContext, LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';

const provisioned = (): SiteSpec => {
  const parsed = parseSiteSpec({ name: 'hpc', provisioning: { batch: 'slurm', maxWorkers: 4 } });
  if (!parsed.ok) throw new Error('fixture');
  return parsed.site;
};

const accepted = newWorker;

async function withSite(ctx: ConformanceContext): Promise<Store> {
  const store = await ctx.fresh();
  await store.sites.defineSite(provisioned(), T0);
  return store;
}

export function describeWorkers(ctx: ConformanceContext): void {
  describe('workers', () => {
    it('records submitted and refused workers in input order', async () => {
      const store = await withSite(ctx);
      const [a, refused] = await store.workers.submitWorkers(
        [
          accepted(11),
          accepted(0, {
            batchId: null,
            state: 'failed',
            failure: 'submit_refused',
            reason: 'Invalid account',
          }),
        ],
        T0,
      );
      expect(a).toMatchObject({
        site: 'hpc',
        batchSystem: 'slurm',
        batchId: 'slurm:11',
        state: 'submitted',
        pilot: null,
        submittedAt: T0,
        endedAt: null,
        logPath: '/f/logs/hpc/slurm-11.out',
        factory: 'submit1',
        killRequested: null,
      });
      expect(refused).toMatchObject({
        state: 'failed',
        failure: 'submit_refused',
        endedAt: T0,
        batchId: null,
      });
      expect(await store.workers.getWorker(a?.id as number)).toEqual(a);
      expect(await store.workers.getWorker(999)).toBeUndefined();
    });

    it('links a worker to the pilot that registers with its batch id, at its site only', async () => {
      const store = await withSite(ctx);
      const [w] = await store.workers.submitWorkers([accepted(12)], T0);
      const elsewhere = await registerPilot(store, { site: 'other', batchId: 'slurm:12' });
      await store.workers.linkPilot('slurm:12', 'other', elsewhere.id, T0);
      expect((await store.workers.getWorker(w?.id as number))?.pilot).toBeNull();
      const pilot = await registerPilot(store, { site: 'hpc', batchId: 'slurm:12' });
      await store.workers.linkPilot('slurm:12', 'hpc', pilot.id, T0 + 5);
      expect((await store.workers.getWorker(w?.id as number))?.pilot).toEqual({
        id: pilot.id,
        uuid: pilot.uuid,
        state: 'idle',
        currentJobId: null,
        jobsRun: 0,
        registeredAt: T0,
      });
    });

    it('links the newest worker when a batch system reuses an id (a Slurm started afresh)', async () => {
      const store = await withSite(ctx);
      const [old] = await store.workers.submitWorkers([accepted(1)], T0);
      await store.workers.recordWorkerChanges(
        [{ id: old?.id as number, from: 'submitted', to: 'lost', at: T0 }],
        T0,
      );
      const [again] = await store.workers.submitWorkers([accepted(1)], T0 + 10);
      const pilot = await registerPilot(store, { site: 'hpc', batchId: 'slurm:1' });
      await store.workers.linkPilot('slurm:1', 'hpc', pilot.id, T0 + 20);
      expect((await store.workers.getWorker(again?.id as number))?.pilot?.id).toBe(pilot.id);
      expect((await store.workers.getWorker(old?.id as number))?.pilot).toBeNull();
    });

    it('moves workers by compare-and-set, skipping those that moved on, refusing moves the table forbids', async () => {
      const store = await withSite(ctx);
      const [a, b] = await store.workers.submitWorkers([accepted(1), accepted(2)], T0);
      const ids = [a?.id as number, b?.id as number] as const;
      const first = await store.workers.recordWorkerChanges(
        [
          { id: ids[0], from: 'submitted', to: 'running', at: T0 + 10 },
          { id: ids[1], from: 'running', to: 'finished', at: T0 + 10 },
        ],
        T0 + 20,
      );
      expect(first.applied.map((w) => [w.id, w.state, w.startedAt])).toEqual([[ids[0], 'running', T0 + 10]]);
      expect(first.skipped).toEqual([ids[1]]);
      const ended = await store.workers.recordWorkerChanges(
        [
          {
            id: ids[0],
            from: 'running',
            to: 'cancelled',
            at: T0 + 30,
            cancelledBy: 'alice',
            exitCode: 143,
            reason: 'scancel',
          },
        ],
        T0 + 31,
      );
      expect(ended.applied[0]).toMatchObject({
        state: 'cancelled',
        startedAt: T0 + 10,
        endedAt: T0 + 30,
        updatedAt: T0 + 31,
        cancelledBy: 'alice',
        exitCode: 143,
        reason: 'scancel',
      });
      await expect(
        store.workers.recordWorkerChanges([{ id: ids[0], from: 'cancelled', to: 'running', at: T0 }], T0),
      ).rejects.toThrow(InvalidTransitionError);
    });

    it("counts a site's workers, running ones without a busy pilot as unclaimed", async () => {
      const store = await withSite(ctx);
      const ws = await store.workers.submitWorkers(
        [1, 2, 3, 4, 5, 6].map((n) => accepted(n)),
        T0,
      );
      const id = (i: number) => ws[i]?.id as number;
      await store.workers.recordWorkerChanges(
        [
          { id: id(0), from: 'submitted', to: 'running', at: T0 },
          { id: id(1), from: 'submitted', to: 'running', at: T0 },
          { id: id(2), from: 'submitted', to: 'running', at: T0 },
          { id: id(3), from: 'submitted', to: 'held', at: T0, reason: 'JobHeldUser' },
          { id: id(5), from: 'submitted', to: 'failed', at: T0, failure: 'never_registered' },
        ],
        T0,
      );
      // Worker 1: no pilot yet. Worker 2: an idle pilot. Worker 3: a pilot running a job.
      const idle = await registerPilot(store, { site: 'hpc', batchId: 'slurm:2' });
      await store.workers.linkPilot('slurm:2', 'hpc', idle.id, T0);
      const busy = await registerPilot(store, { site: 'hpc', batchId: 'slurm:3' });
      await store.workers.linkPilot('slurm:3', 'hpc', busy.id, T0);
      await store.submitJobs([spec({ site: 'hpc' })], 'alice', T0);
      expect(await store.claimJob(busy.uuid, { site: 'hpc', jobTypes: [] }, LEASE_MS, T0)).not.toBeNull();
      expect(await store.workers.countWorkers('hpc')).toEqual({
        submitted: 1,
        held: 1,
        running: 3,
        unclaimed: 2,
      });
      expect(await store.workers.countWorkers('elsewhere')).toEqual({
        submitted: 0,
        held: 0,
        running: 0,
        unclaimed: 0,
      });
    });

    it('lists workers newest first or by end, filtered, with the total', async () => {
      const store = await withSite(ctx);
      const ws = await store.workers.submitWorkers(
        [1, 2, 3].map((n) => accepted(n)),
        T0,
      );
      const id = (i: number) => ws[i]?.id as number;
      await store.workers.recordWorkerChanges(
        [
          {
            id: id(0),
            from: 'submitted',
            to: 'failed',
            at: T0 + 300,
            failure: 'never_registered',
            exitCode: 127,
          },
          { id: id(1), from: 'submitted', to: 'finished', at: T0 + 100 },
        ],
        T0 + 400,
      );
      const all = await store.workers.listWorkers({}, { limit: 2, offset: 0 });
      expect(all.total).toBe(3);
      expect(all.workers.map((w) => w.id)).toEqual([id(2), id(1)]);
      const ended = await store.workers.listWorkers(
        { site: 'hpc' },
        { limit: 10, offset: 0, order: 'ended' },
      );
      expect(ended.workers.map((w) => w.id)).toEqual([id(0), id(1)]);
      expect(ended.total).toBe(2);
      const queued = await store.workers.listWorkers({ states: ['submitted'] }, { limit: 10, offset: 0 });
      expect(queued.workers.map((w) => w.id)).toEqual([id(2)]);
      expect(await store.workers.countEndings('hpc', T0)).toEqual({
        finished: 1,
        failed: 1,
        cancelled: 0,
        lost: 0,
        neverRegistered: 1,
        submitRefused: 0,
      });
      expect((await store.workers.countEndings('hpc', T0 + 200)).finished).toBe(0);
      expect(await store.workers.recentEndings('hpc', 5)).toEqual([
        {
          state: 'failed',
          endedAt: T0 + 300,
          registered: false,
          failure: 'never_registered',
          exitCode: 127,
          reason: null,
        },
        {
          state: 'finished',
          endedAt: T0 + 100,
          registered: false,
          failure: null,
          exitCode: null,
          reason: null,
        },
      ]);
    });

    it('records a kill request on an active worker once, and refuses it on an ended or missing one', async () => {
      const store = await withSite(ctx);
      const [a, b] = await store.workers.submitWorkers([accepted(1), accepted(2)], T0);
      const killed = await store.workers.requestWorkerKill(a?.id as number, 'alice', T0 + 1);
      expect(killed.killRequested).toEqual({ at: T0 + 1, by: 'alice' });
      const again = await store.workers.requestWorkerKill(a?.id as number, 'bob', T0 + 2);
      expect(again.killRequested).toEqual({ at: T0 + 1, by: 'alice' });
      await store.workers.recordWorkerChanges(
        [{ id: b?.id as number, from: 'submitted', to: 'finished', at: T0 }],
        T0,
      );
      await expect(store.workers.requestWorkerKill(b?.id as number, 'alice', T0)).rejects.toThrow(
        InvalidTransitionError,
      );
      await expect(store.workers.requestWorkerKill(9999, 'alice', T0)).rejects.toThrow(NotFoundError);
    });

    it('drains a site: its live pilots stop after their job, its queued workers are to be removed', async () => {
      const store = await withSite(ctx);
      await store.sites.defineSite({ ...provisioned(), name: 'other' }, T0);
      const ws = await store.workers.submitWorkers(
        [accepted(1), accepted(2), accepted(3, { site: 'other' }), accepted(4)],
        T0,
      );
      // Still `submitted` in the table, but its pilot registered: it runs, and is not removed.
      const started = await registerPilot(store, { site: 'hpc', batchId: 'slurm:4' });
      await store.workers.linkPilot('slurm:4', 'hpc', started.id, T0);
      await store.workers.recordWorkerChanges(
        [{ id: ws[1]?.id as number, from: 'submitted', to: 'running', at: T0 }],
        T0,
      );
      const here = await registerPilot(store, { site: 'hpc' });
      const there = await registerPilot(store, { site: 'other' });
      const gone = await registerPilot(store, { site: 'hpc' });
      await store.deregisterPilot(gone.uuid, T0);
      const drained = await store.workers.drainSite('hpc', 'alice', T0 + 50);
      expect(drained).toMatchObject({
        site: { name: 'hpc', drained: { at: T0 + 50, by: 'alice' } },
        pilots: 2,
        workers: 1,
      });
      expect((await store.getPilot(here.id))?.stopRequested).toBe(true);
      expect((await store.getPilot(there.id))?.stopRequested).toBe(false);
      const after = await store.workers.listWorkers({}, { limit: 10, offset: 0 });
      expect(after.workers.map((w) => [w.batchId, w.killRequested?.by ?? null])).toEqual([
        ['slurm:4', null],
        ['slurm:3', null],
        ['slurm:2', null],
        ['slurm:1', 'alice (drain)'],
      ]);
      // Defining the site again keeps the drain; resume ends it and forgives earlier failures.
      await store.sites.defineSite(provisioned(), T0 + 60);
      expect((await store.sites.getSite('hpc'))?.drained).toEqual({ at: T0 + 50, by: 'alice' });
      const resumed = await store.workers.resumeSite('hpc', T0 + 70);
      expect(resumed).toMatchObject({ drained: null, feedResetAt: T0 + 70 });
      await expect(store.workers.drainSite('nope', 'alice', T0)).rejects.toThrow(NotFoundError);
      await expect(store.workers.resumeSite('nope', T0)).rejects.toThrow(NotFoundError);
    });

    it("keeps a site's provisioning record exactly", async () => {
      const store = await withSite(ctx);
      expect((await store.sites.getSite('hpc'))?.provisioning).toEqual(provisioned().provisioning);
    });
  });
}
