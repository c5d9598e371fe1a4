// Conformance: "jobs may be claimable" signals after submit, release and retry; "changed" after
// every kind of write (general transaction, grouped report); on PostgreSQL, both from one store
// (server) to another through NOTIFY/LISTEN.

import { describe, expect, it, vi } from 'vitest';
import type { Job } from '../../src/core/index.ts';
import { type ConformanceContext, LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';

export function describeSignals(ctx: ConformanceContext): void {
  describe('onSignal jobs-available', () => {
    it('fires after a submission with defined jobs, a release and a retry, until unsubscribed', async () => {
      const store = await ctx.fresh();
      const listener = vi.fn();
      const unsubscribe = store.onSignal('jobs-available', listener);
      const fired = async (action: () => Promise<unknown>) => {
        listener.mockClear();
        await action();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return listener.mock.calls.length > 0;
      };
      const [template] = await store.submitJobs([spec({ state: 'template' })], 'alice', T0);
      expect(await fired(() => store.submitJobs([spec()], 'alice', T0))).toBe(true);
      expect(await fired(() => store.submitJobs([spec({ state: 'template' })], 'alice', T0))).toBe(false);
      expect(await fired(() => store.adjustJob(template!.id, { priority: 3 }, 'alice', T0))).toBe(false);
      expect(await fired(() => store.adjustJob(template!.id, { state: 'defined' }, 'alice', T0))).toBe(true);
      await store.killJob(template!.id, 'alice', T0);
      expect(await fired(() => store.retryJob(template!.id, 'alice', T0))).toBe(true);
      unsubscribe();
      expect(await fired(() => store.submitJobs([spec()], 'alice', T0))).toBe(false);
    });

    it.runIf(ctx.dialect === 'postgres')(
      'reaches the listeners of another store on the same database',
      async () => {
        const writer = await ctx.fresh();
        const reader = await ctx.reopen();
        const listener = vi.fn();
        reader.onSignal('jobs-available', listener);
        // The reader starts listening in the background: keep submitting until a signal gets through.
        await vi.waitFor(
          async () => {
            await writer.submitJobs([spec()], 'alice', T0);
            await new Promise((resolve) => setTimeout(resolve, 50));
            expect(listener).toHaveBeenCalled();
          },
          { timeout: 5000, interval: 100 },
        );
      },
    );
  });

  describe('onSignal changed', () => {
    const fired = async (listener: ReturnType<typeof vi.fn>, action: () => Promise<unknown>) => {
      // Signals of earlier writes arrive a turn after them: let them land before counting.
      await new Promise((resolve) => setTimeout(resolve, 20));
      listener.mockClear();
      await action();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return listener.mock.calls.length > 0;
    };

    it('fires after a write of each path (submit, claim, start, log, finish), not after a read', async () => {
      const store = await ctx.fresh();
      const listener = vi.fn();
      store.onSignal('changed', listener);
      expect(await fired(listener, () => store.submitJobs([spec()], 'alice', T0))).toBe(true);
      const pilot = await registerPilot(store);
      expect(await fired(listener, () => store.summary())).toBe(false);
      expect(await fired(listener, () => store.getPilot(pilot.uuid))).toBe(false);
      let claimed: Job | undefined;
      expect(
        await fired(listener, async () => {
          claimed = (await store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0)).claimed?.job;
        }),
      ).toBe(true);
      const job = claimed as Job;
      const started = () =>
        store.startJob({
          jobId: job.id,
          pilotUuid: pilot.uuid,
          attempt: 1,
          pid: 9,
          metrics: null,
          leaseMs: LEASE_MS,
          now: T0,
        });
      expect(await fired(listener, started)).toBe(true);
      const log = () =>
        store.appendLog(job.id, 1, 'out', 0, Buffer.from('hello'), { headCap: 100, tailCap: 100 });
      expect(await fired(listener, log)).toBe(true);
      const solo = () =>
        store.finishJob({
          jobId: job.id,
          pilotUuid: pilot.uuid,
          attempt: 1,
          outcome: { kind: 'exited', exitCode: 0 },
          metrics: null,
          now: T0 + 1000,
        });
      expect(await fired(listener, solo)).toBe(true);
      // A claim that finds no job (the pilot's touch) moves nothing a reader waits on.
      expect(await fired(listener, () => store.touchAndClaimJob(pilot.uuid, LEASE_MS, T0 + 2000))).toBe(
        false,
      );
      expect(
        await fired(listener, () =>
          store.claimJob(pilot.uuid, { site: null, jobTypes: [] }, LEASE_MS, T0 + 3000),
        ),
      ).toBe(false);
    });

    it.runIf(ctx.dialect === 'postgres')(
      'reaches the listeners of another store on the same database',
      async () => {
        const writer = await ctx.fresh();
        const reader = await ctx.reopen();
        const listener = vi.fn();
        reader.onSignal('changed', listener);
        await vi.waitFor(
          async () => {
            await writer.submitJobs([spec({ state: 'template' })], 'alice', T0);
            await new Promise((resolve) => setTimeout(resolve, 50));
            expect(listener).toHaveBeenCalled();
          },
          { timeout: 5000, interval: 100 },
        );
      },
    );
  });
}
