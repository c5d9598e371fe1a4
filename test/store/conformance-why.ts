// Conformance: the facts behind "why is this job waiting?" (jobWhyFacts), read in one snapshot:
// which live pilots serve a job, how many jobs are ahead of it, its workflow parents, its holder,
// its latest event and the latest by a retry rule.

import { describe, expect, it } from 'vitest';
import { explainJob } from '../../src/core/index.ts';
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
import { createWorkflow, makeDag } from './conformance-workflow-fixtures.ts';

export function describeWhy(ctx: ConformanceContext): void {
  describe('why facts', () => {
    it('answers undefined for a job that does not exist', async () => {
      const store = await ctx.fresh();
      expect(await store.jobWhyFacts(999, T0)).toBeUndefined();
    });

    it('counts only live pilots of the job site that accept its type, busy and held apart', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec({ site: 'cern', jobtype: 'sim' })], 'alice', T0);
      const id = job?.id ?? 0;
      expect((await store.jobWhyFacts(id, T0))?.pilots).toMatchObject({ live: 0, busy: 0, notTaking: 0 });

      await registerPilot(store, { site: 'fnal' });
      await registerPilot(store, { site: 'cern', jobTypes: ['reco'] });
      const gone = await registerPilot(store, { site: 'cern' });
      await store.deregisterPilot(gone.uuid, T0);
      expect((await store.jobWhyFacts(id, T0))?.pilots?.live).toBe(0);

      // A pilot of the site busy with another job of the site, and one idle but held.
      const busy = await registerPilot(store, { site: 'cern', jobTypes: ['sim'] });
      await store.adjustJob(id, { state: 'template' }, 'alice', T0);
      await store.submitJobs([spec({ site: 'cern', jobtype: 'sim' })], 'alice', T0);
      expect(
        await store.claimJob(busy.uuid, { site: 'cern', jobTypes: ['sim'] }, LEASE_MS, T0),
      ).not.toBeNull();
      await store.adjustJob(id, { state: 'defined' }, 'alice', T0);
      const held = await registerPilot(store, { site: 'cern' });
      await store.holdPilot(held.uuid, 'disk full', T0);
      const facts = await store.jobWhyFacts(id, T0);
      expect(facts?.pilots).toMatchObject({ live: 2, busy: 1, notTaking: 1 });
      expect(explainJob(facts as NonNullable<typeof facts>).map((r) => r.code)).toContain(
        'pilots_not_taking',
      );

      // A job without a site is served by every live pilot that takes its type (fnal's too).
      const [anySite] = await store.submitJobs([spec({ jobtype: 'sim' })], 'alice', T0);
      expect((await store.jobWhyFacts(anySite?.id ?? 0, T0))?.pilots?.live).toBe(3);
    });

    it('counts the defined jobs a serving pilot takes first, in dispatch order', async () => {
      const store = await ctx.fresh();
      const sim = (priority: number, site: string | null = 'cern', jobtype = 'sim') =>
        spec({ priority, site, jobtype });
      const jobs = await store.submitJobs(
        [
          sim(5), // ahead: higher priority
          sim(1), // ahead: same priority, older
          sim(3, null), // ahead: any site, higher priority
          sim(9, 'fnal'), // another site
          sim(9, 'cern', 'reco'), // another type
          sim(0), // lower priority
        ],
        'alice',
        T0,
      );
      const [target] = await store.submitJobs([sim(1)], 'alice', T0);
      await store.submitJobs([sim(1)], 'alice', T0); // same priority, newer
      // A running job of higher priority is no longer in the queue.
      await claimedJob(store, { spec: sim(50), pilot: { site: 'cern' } });
      const facts = await store.jobWhyFacts(target?.id ?? 0, T0);
      expect(facts?.ahead).toEqual({ count: 3, exact: true });
      expect(jobs).toHaveLength(6);
    });

    it('names the workflow parents with their states, and the workflow', async () => {
      const store = await ctx.fresh();
      const workflow = await createWorkflow(store, makeDag('a>c b>c'), { state: 'defined' });
      const byName = new Map(workflow.jobs.map((j) => [j.name, j]));
      const pilot = await registerPilot(store);
      const a = (await store.claimJob(pilot.uuid, ANY, LEASE_MS, T0))?.job;
      expect(a?.name).toBe('a');
      const facts = await store.jobWhyFacts(byName.get('c')?.id ?? 0, T0);
      expect(facts?.job.state).toBe('template');
      expect(facts?.parents).toEqual([
        { id: byName.get('a')?.id, name: 'a', state: 'dispatched' },
        { id: byName.get('b')?.id, name: 'b', state: 'defined' },
      ]);
      expect(facts?.workflow).toMatchObject({ id: workflow.workflow.id, state: 'running' });
      expect(facts?.pilots).toBeUndefined();
      expect((await store.jobWhyFacts(byName.get('a')?.id ?? 0, T0))?.parents).toEqual([]);
    });

    it('names the pilot holding a running job and the latest event', async () => {
      const store = await ctx.fresh();
      const { job, pilot } = await runningJob(store);
      const facts = await store.jobWhyFacts(job.id, T0 + 5000);
      expect(facts?.holder).toMatchObject({ id: pilot.id, uuid: pilot.uuid, host: pilot.host });
      expect(facts?.job).toMatchObject({ state: 'running', startedAt: expect.any(Number) });
      expect(facts?.lastEvent).toMatchObject({ transition: 'start', toState: 'running' });
      expect(facts?.ruleEvent).toBeNull();
    });

    it('reads the error, the last event and the latest retry-rule event of an ended job', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec()], 'alice', T0);
      const id = job?.id ?? 0;
      await store.killJob(id, 'bob', T0 + 10);
      // Retry rules write events with actor rule:<name>; the store reads any such event alike.
      for (const [at, detail] of [
        [T0 + 20, 'first'],
        [T0 + 30, 'latest'],
      ] as const)
        await ctx.exec(
          `INSERT INTO job_events (job_id, attempt, at, from_state, to_state, transition, actor, detail)
           VALUES (${id}, 1, ${at}, 'cancelled', 'cancelled', 'cancel', 'rule:flaky', '${detail}')`,
        );
      const facts = await store.jobWhyFacts(id, T0 + 40);
      expect(facts?.job).toMatchObject({ state: 'cancelled', errorName: 'killed' });
      expect(facts?.ruleEvent).toMatchObject({ actor: 'rule:flaky', detail: 'latest', at: T0 + 30 });
      expect(facts?.lastEvent).toMatchObject({ actor: 'rule:flaky', detail: 'latest' });
    });

    it('reads the resources pilots advertise where the pilots table has them', async () => {
      const store = await ctx.fresh();
      // Added behind the store's back unless a migration already has them (and dropped again after,
      // as the PostgreSQL database outlives the test): the facts follow the schema.
      const added: string[] = [];
      for (const column of ['memory_mib', 'cores', 'disk_mib'])
        await ctx.exec(`ALTER TABLE pilots ADD COLUMN ${column} integer`).then(
          () => added.push(column),
          () => undefined,
        );
      try {
        const [job] = await store.submitJobs([spec({ memory: 64000, cores: 2 })], 'alice', T0);
        const small = await registerPilot(store);
        const big = await registerPilot(store);
        await ctx.exec(
          `UPDATE pilots SET memory_mib = 16000, cores = 4, disk_mib = 100 WHERE id = ${small.id}`,
        );
        await ctx.exec(
          `UPDATE pilots SET memory_mib = 32000, cores = 8, disk_mib = NULL WHERE id = ${big.id}`,
        );
        const facts = await store.jobWhyFacts(job?.id ?? 0, T0);
        expect(facts?.pilots?.largest).toEqual({ memoryMib: 32000, cores: 8, diskMib: null });
        const reasons = explainJob(facts as NonNullable<typeof facts>);
        expect(reasons.map((r) => r.code)).toEqual(['exceeds_pilot_resources']);
      } finally {
        await store.close();
        for (const column of added) await ctx.exec(`ALTER TABLE pilots DROP COLUMN ${column}`);
      }
    });

    it('leaves the resource facts out where pilots advertise none', async () => {
      const store = await ctx.fresh();
      const [job] = await store.submitJobs([spec({ memory: 64000 })], 'alice', T0);
      const pilot = await registerPilot(store);
      // Where a migration added the columns, a pilot that advertises nothing leaves each unknown.
      const largest = (await store.jobWhyFacts(job?.id ?? 0, T0))?.pilots?.largest;
      expect(largest === undefined || largest.memoryMib === null).toBe(true);
      expect(pilot.state).toBe('idle');
    });
  });
}
