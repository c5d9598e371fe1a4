// Conformance: "jobs may be claimable" signals after submit, release and retry — and, on
// PostgreSQL, from one store (server) to another through NOTIFY/LISTEN.

import { describe, expect, it, vi } from 'vitest';
import { type ConformanceContext, spec, T0 } from './conformance-fixtures.ts';

export function describeSignals(ctx: ConformanceContext): void {
  describe('onJobsAvailable', () => {
    it('fires after a submission with defined jobs, a release and a retry, until unsubscribed', async () => {
      const store = await ctx.fresh();
      const listener = vi.fn();
      const unsubscribe = store.onJobsAvailable(listener);
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
        reader.onJobsAvailable(listener);
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
}
