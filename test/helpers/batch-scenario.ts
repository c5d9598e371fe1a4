// The factory over a real batch system, one scenario for Slurm (test/batch/slurm.test.ts) and
// HTCondor (test/htcondor/htcondor.test.ts): a real server, a real `p3s factory`, real pilots started
// by the batch system. The batch system's own view (squeue, condor_q) is read with its own
// commands, not through the factory's parser, so the test does not trust what it tests.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P3sClient } from '../../src/protocol/client.ts';
import type { JobWire } from '../../src/protocol/schemas/jobs.ts';
import type { WorkerWire } from '../../src/protocol/schemas/workers.ts';
import { workersApi } from '../../src/protocol/workers-client.ts';
import { type Cluster, makeCluster } from './cluster.ts';
import { type Proc, waitFor } from './processes.ts';
import { deleteRetryRulesWithCli } from './retry-rules.ts';

export interface BatchUnderTest {
  system: 'slurm' | 'htcondor';
  /** Batch ids (`slurm:42`) of the site's pilot jobs the batch system holds: queued, held or running. */
  active(site: string): Promise<string[]>;
  /** Removes a batch job as an operator would, outside p3s (scancel, condor_rm). */
  cancel(batchId: string): Promise<void>;
  /** A folder both the factory and the batch jobs can read and write. */
  sharedDir(): string;
  /** Starts `p3s factory` for this batch system. */
  startFactory(args: string[], env: Record<string, string>): Proc;
  /** The exit status a pilot script that cannot find p3s ends with, as the batch system reports it. */
  notFoundStatus: number;
  /** Provisioning fields the batch system refuses at submission, and the words it refuses them with. */
  refused: { provisioning: Record<string, unknown>; says: RegExp };
}

const EVERY = '1';

export function describeBatchScenario(title: string, target: () => BatchUnderTest): void {
  describe(title, () => {
    let c: Cluster;
    let client: P3sClient;
    let factory: Proc;
    let batch: BatchUnderTest;
    let adminName: string;
    const site = () => `${batch.system}-a`;
    const broken = () => `${batch.system}-b`;
    const refusing = () => `${batch.system}-r`;
    const api = () => workersApi(client);

    beforeAll(async () => {
      batch = target();
      c = await makeCluster();
      // These scenarios follow the attempts the workers' pilots end; a retried attempt would run on.
      await deleteRetryRulesWithCli(c);
      const adminToken = readFileSync(join(c.dataDir, 'admin.token'), 'utf8').trim();
      client = new P3sClient({ server: c.server.url, token: adminToken });
      adminName = (await client.whoami()).name;
      await define({
        name: site(),
        pilotbeat: 2,
        pilotperiod: 2,
        provisioning: { batch: batch.system, maxWorkers: 2, pilotIdle: 4, startTimeout: 120 },
      });
      await define({
        name: broken(),
        provisioning: {
          batch: batch.system,
          maxWorkers: 2,
          pilotCommand: '/nonexistent/p3s',
          failureLimit: 2,
          failureCooldown: 0,
        },
      });
      await define({
        name: refusing(),
        provisioning: { batch: batch.system, maxWorkers: 2, ...batch.refused.provisioning },
      });
      factory = batch.startFactory(
        [
          'factory',
          '--every',
          EVERY,
          '--grace',
          '20',
          '--dir',
          join(batch.sharedDir(), 'factory'),
          '--server',
          c.server.url,
        ],
        { P3S_TOKEN: adminToken, TMPDIR: batch.sharedDir() },
      );
      const running = factory;
      await waitFor('the factory to start', () => {
        if (running.child.exitCode !== null || running.child.signalCode !== null)
          throw new Error(`the factory exited: ${running.output()}`);
        return running.output().includes('factory starting');
      });
    });

    afterAll(async () => {
      factory?.signal('SIGTERM');
      await factory?.exited;
      if (batch)
        for (const s of [site(), broken()]) for (const id of await batch.active(s)) await batch.cancel(id);
      await c?.close();
    });

    async function define(s: Record<string, unknown>): Promise<void> {
      const file = join(c.dataDir, `${s.name}.json`);
      writeFileSync(file, JSON.stringify(s));
      const res = await c.cli(['site', 'define', file]);
      expect(res.code, res.stderr).toBe(0);
    }

    const submit = async (s: string, payload: string, n: number) =>
      (
        await client.submitJobs(
          Array.from({ length: n }, (_, i) => ({ name: `j${i}`, payload, site: s, timeout: '300' })),
        )
      ).jobs.map((j) => j.id);
    const jobsOf = async (ids: number[]) => Promise.all(ids.map(async (id) => (await client.getJob(id)).job));
    const workersOf = async (s: string) => (await api().listWorkers({ site: s, limit: 100 })).workers;
    const ended = (j: JobWire) => ['finished', 'failed', 'cancelled'].includes(j.state);
    const cycles = (n: number) => new Promise((r) => setTimeout(r, n * Number(EVERY) * 1000 + 500));

    /** Samples the batch system's view of the site while `run` goes on: the most pilots it held at once, and every id. */
    async function watching<T>(
      s: string,
      run: () => Promise<T>,
    ): Promise<{ result: T; most: number; seen: Set<string> }> {
      const seen = new Set<string>();
      let most = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const ids = await batch.active(s);
          for (const id of ids) seen.add(id);
          most = Math.max(most, ids.length);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      try {
        return { result: await run(), most, seen };
      } finally {
        sampling = false;
        await sampler;
      }
    }

    it('runs 6 jobs on at most 2 pilots, whose batch ids are their batch jobs, which leave when the queue empties', async () => {
      const ids = await submit(site(), 'sleep 5', 6);
      const {
        result: jobs,
        most,
        seen,
      } = await watching(site(), () =>
        waitFor(
          'the 6 jobs to end',
          async () => {
            const js = await jobsOf(ids);
            return js.every(ended) && js;
          },
          180_000,
          500,
        ),
      );
      expect(jobs.map((j) => j.state)).toEqual(Array(6).fill('finished'));
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(2);
      const workers = await waitFor(
        'the pilots to leave',
        async () => {
          const ws = await workersOf(site());
          return ws.every((w) => w.state === 'finished') && (await batch.active(site())).length === 0 && ws;
        },
        60_000,
        500,
      );
      expect(workers).toHaveLength(2);
      const pilots = (await client.listPilots({ site: site(), state: 'stopped' })).pilots;
      for (const w of workers) {
        expect(seen).toContain(w.batchId);
        const pilot = pilots.find((p) => p.id === w.pilot?.id);
        expect(pilot?.batchId).toBe(w.batchId);
        // Registered with the site's own pilot token, never the factory's admin token.
        expect(pilot?.owner).toBe(`factory-${site()}`);
      }
      const { tokens } = await client.listTokens({ name: `factory-${site()}` });
      expect(tokens.map((t) => [t.role, t.site])).toEqual([['pilot', site()]]);
      expect(new Set(jobs.map((j) => j.pilotId))).toEqual(new Set(workers.map((w) => w.pilot?.id)));
      // No new submission once the queue is empty.
      await cycles(4);
      expect(await workersOf(site())).toHaveLength(2);
      expect(await batch.active(site())).toEqual([]);
    });

    it('submits no more pilots than jobs wait', async () => {
      const [id] = await submit(site(), 'sleep 1', 1);
      const { most } = await watching(site(), () =>
        waitFor(
          'the job to end',
          async () => ended((await jobsOf([id as number]))[0] as JobWire),
          120_000,
          500,
        ),
      );
      expect(most).toBe(1);
      await waitFor(
        'the pilot to leave',
        async () => (await workersOf(site())).every((w) => w.state === 'finished'),
        60_000,
        500,
      );
      expect(await workersOf(site())).toHaveLength(3);
    });

    it("ends a busy pilot's job pilot_shutdown when its batch job is removed, by the batch system or p3s workers kill", async () => {
      const ids = await submit(site(), 'sleep 300', 2);
      const running = await waitFor(
        'both jobs to run',
        async () => {
          const js = await jobsOf(ids);
          return js.every((j) => j.state === 'running') && js;
        },
        120_000,
        500,
      );
      const workers = await workersOf(site());
      const holder = (j: JobWire) => workers.find((w) => w.pilot?.id === j.pilotId) as WorkerWire;
      const [outside, killed] = running.map(holder) as [WorkerWire, WorkerWire];
      await batch.cancel(outside.batchId as string);
      const res = await c.cli(['workers', 'kill', String(killed.id)]);
      expect(res.code, res.stderr).toBe(0);
      const done = await waitFor(
        'both jobs to end',
        async () => {
          const js = await jobsOf(ids);
          return js.every(ended) && js;
        },
        120_000,
        500,
      );
      for (const j of done) expect(j).toMatchObject({ state: 'failed', errorName: 'pilot_shutdown' });
      const after = await waitFor(
        'both workers cancelled',
        async () => {
          const ws = await Promise.all(
            [outside, killed].map(async (w) => (await api().getWorker(w.id)).worker),
          );
          return ws.every((w) => w.state === 'cancelled') && ws;
        },
        60_000,
        500,
      );
      expect(after.map((w) => w.cancelledBy)).toEqual(['batch system', adminName]);
    });

    it('backs off when the batch system refuses a submission, and records why', async () => {
      await submit(refusing(), '/bin/true', 2);
      const [refusal] = await waitFor(
        'a refused submission',
        async () => {
          const ws = await workersOf(refusing());
          return ws.length > 0 && ws;
        },
        60_000,
        250,
      );
      expect(refusal).toMatchObject({ state: 'failed', failure: 'submit_refused', batchId: null });
      expect(refusal?.reason).toMatch(batch.refused.says);
      const { provisioning } = await api().siteProvisioning(refusing());
      expect(provisioning.decision).toMatchObject({ submit: 0, limit: 'backoff' });
      // The first wait is 15 s: no second attempt within a few cycles.
      await cycles(4);
      expect(await workersOf(refusing())).toHaveLength(1);
    });

    it('stops feeding a site whose pilot script fails at once, and shows why', async () => {
      await submit(broken(), '/bin/true', 3);
      const failed = await waitFor(
        'two start failures',
        async () => {
          const ws = await workersOf(broken());
          return ws.filter((w) => w.state === 'failed').length >= 2 && ws;
        },
        120_000,
        500,
      );
      for (const w of failed)
        expect(w).toMatchObject({
          state: 'failed',
          failure: 'never_registered',
          exitCode: batch.notFoundStatus,
          pilot: null,
        });
      await cycles(4);
      expect(await workersOf(broken())).toHaveLength(2);
      expect(await batch.active(broken())).toEqual([]);
      const listed = await c.cli(['workers', 'list', '--site', broken()]);
      expect(listed.stdout).toMatch(
        new RegExp(
          `site ${broken()} \\(${batch.system}\\): 3 waiting, 0 queued, 0 held, 0 running — not fed: 2 pilots in a row never registered \\(last: exit ${batch.notFoundStatus}`,
        ),
      );
      const { provisioning } = await api().siteProvisioning(broken());
      expect(provisioning.decision).toMatchObject({ submit: 0, limit: 'start_failures' });
    });
  });
}
