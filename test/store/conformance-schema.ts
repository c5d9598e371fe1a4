// Conformance: migrations (idempotent, status, refusal of a newer schema) and durability.

import { describe, expect, it } from 'vitest';
import { SchemaTooNewError } from '../../src/core/index.ts';
import { type ConformanceContext, registerPilot, spec, T0 } from './conformance-fixtures.ts';

export function describeSchema(ctx: ConformanceContext): void {
  describe('schema', () => {
    it('migrates idempotently and reports what is applied', async () => {
      const store = await ctx.fresh();
      await store.migrate();
      await store.migrate();
      const status = await store.migrationStatus();
      expect(status.applied).toEqual(expect.arrayContaining(['0001_init', '0002_workflows']));
      expect(status.pending).toEqual([]);
    });

    it('refuses a database migrated by a newer p3s', async () => {
      const store = await ctx.fresh();
      await ctx.exec(
        `INSERT INTO p3s_migrations (name, timestamp) VALUES ('9999_from_the_future', '2099-01-01')`,
      );
      try {
        const error = await store.migrate().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SchemaTooNewError);
        expect((error as Error).message).toContain('9999_from_the_future');
        expect((await store.migrationStatus()).applied).toContain('9999_from_the_future');
      } finally {
        await ctx.exec(`DELETE FROM p3s_migrations WHERE name = '9999_from_the_future'`);
      }
    });

    it('keeps jobs, events and pilots across a close and reopen', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec({ name: 'durable', env: { K: 'v' } })], 'alice', T0);
      const pilot = await registerPilot(store, { site: 'cern' });
      await store.close();

      const again = await ctx.reopen();
      await again.migrate();
      const detail = await again.getJobDetail(job!.id);
      expect(detail?.job).toEqual(job);
      expect(detail?.events.map((e) => e.transition)).toEqual(['submit']);
      expect(await again.getPilot(pilot.uuid)).toEqual(pilot);
    });
  });
}
