// Conformance: a submission with an idempotency key creates once. A re-send with the same key
// and request answers with what the first created and creates nothing; another request with the key
// is refused; keys of different owners never meet; an expired key is new again; two servers sending
// the same key at the same moment create once between them.

import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError } from '../../src/core/index.ts';
import type { IdempotencyKey, Store } from '../../src/store/index.ts';
import { type ConformanceContext, spec, T0 } from './conformance-fixtures.ts';
import { makeDag, newWorkflow } from './conformance-workflow-fixtures.ts';

const DAY = 24 * 3600 * 1000;
const key = (over: Partial<IdempotencyKey> = {}): IdempotencyKey => ({
  owner: 'alice',
  key: 'k-1',
  request: 'jobs',
  fingerprint: 'f-1',
  now: T0,
  expiresAt: T0 + DAY,
  ...over,
});
const total = async (store: Store) => (await store.summary()).jobs.total;

export function describeIdempotency(ctx: ConformanceContext): void {
  describe('idempotency keys', () => {
    it('creates the jobs once: a re-send answers with the first jobs and creates nothing', async () => {
      const store = await ctx.fresh();
      const first = await store.submitJobsOnce(
        [spec({ name: 'a' }), spec({ name: 'b' })],
        'alice',
        T0,
        key(),
      );
      expect(first.replayed).toBe(false);
      expect(first.value.map((j) => j.name)).toEqual(['a', 'b']);
      const again = await store.submitJobsOnce(
        [spec({ name: 'a' }), spec({ name: 'b' })],
        'alice',
        T0 + 1000,
        key({ now: T0 + 1000 }),
      );
      expect(again).toEqual({ replayed: true, value: first.value });
      expect(await total(store)).toBe(2);
    });

    it('refuses the key with another request, creating nothing', async () => {
      const store = await ctx.fresh();
      await store.submitJobsOnce([spec()], 'alice', T0, key());
      await expect(
        store.submitJobsOnce([spec()], 'alice', T0, key({ fingerprint: 'f-2' })),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      await expect(store.submitJobsOnce([spec()], 'alice', T0, key({ request: 'workflow' }))).rejects.toThrow(
        /a jobs submission, this is a workflow one/,
      );
      expect(await total(store)).toBe(1);
    });

    it("keeps each owner's keys apart, and forgets a key once it expired", async () => {
      const store = await ctx.fresh();
      await store.submitJobsOnce([spec()], 'alice', T0, key());
      expect((await store.submitJobsOnce([spec()], 'bob', T0, key({ owner: 'bob' }))).replayed).toBe(false);
      const later = key({ now: T0 + DAY, expiresAt: T0 + 2 * DAY, fingerprint: 'f-other' });
      expect((await store.submitJobsOnce([spec()], 'alice', T0 + DAY, later)).replayed).toBe(false);
      expect(await total(store)).toBe(3);
      // The new use of the key is remembered in its turn.
      expect((await store.submitJobsOnce([spec()], 'alice', T0 + DAY, later)).replayed).toBe(true);
      expect(await store.pruneIdempotencyKeys(T0 + 3 * DAY)).toBe(2);
      expect((await store.submitJobsOnce([spec()], 'alice', T0 + 3 * DAY, later)).replayed).toBe(false);
    });

    it('creates once when two servers send the same key at the same moment', async () => {
      const store = await ctx.fresh();
      const other = await ctx.reopen();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? store : other).submitJobsOnce([spec()], 'alice', T0, key()),
        ),
      );
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(results.map((r) => r.value[0]?.id)).size).toBe(1);
      expect(await total(store)).toBe(1);
    });

    it('creates a workflow once', async () => {
      const store = await ctx.fresh();
      const dag = makeDag('a>b');
      await store.workflows.addDag(
        { name: 'dag', description: '', user: 'alice', template: dag, graphml: '<graphml/>' },
        { replace: false },
        T0,
      );
      const wkey = key({ request: 'workflow' });
      const first = await store.workflows.createWorkflowOnce(newWorkflow(dag, 'dag', 'defined'), T0, wkey);
      const again = await store.workflows.createWorkflowOnce(newWorkflow(dag, 'dag', 'defined'), T0, wkey);
      expect(first.replayed).toBe(false);
      expect(again.replayed).toBe(true);
      expect(again.value.workflow.id).toBe(first.value.workflow.id);
      expect((await store.workflows.listWorkflows({}, 10, 0)).total).toBe(1);
      expect(await total(store)).toBe(2);
    });
  });
}
