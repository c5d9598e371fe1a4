// The pilot factory end to end with the `local` batch system (pilots as processes on this host):
// a real server, a real `p3s factory` process, real pilots it starts. It feeds a site only while
// jobs wait and within its limits, links each worker to the pilot it became and the jobs it ran,
// lets idle pilots go, stops feeding a site whose pilots fail at start (and says why), removes
// workers on request and drains a site. The Slurm and HTCondor tests run the same over real batch
// systems (test/batch/slurm.test.ts, test/htcondor/).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { P3sClient } from '../../src/protocol/client.ts';
import type { WorkerWire } from '../../src/protocol/schemas/workers.ts';
import { workersApi } from '../../src/protocol/workers-client.ts';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { type Proc, startP3s, waitFor } from '../helpers/processes.ts';
import { deleteRetryRulesWithCli } from '../helpers/retry-rules.ts';

let c: Cluster;
let client: P3sClient;
let factory: Proc;
const api = () => workersApi(client);

beforeAll(async () => {
  c = await makeCluster();
  // These tests follow workers and the attempts their pilots end; a retried attempt would run on.
  await deleteRetryRulesWithCli(c);
  client = new P3sClient({
    server: c.server.url,
    token: readFileSync(join(c.dataDir, 'admin.token'), 'utf8').trim(),
  });
  await define({
    name: 'here',
    pilotbeat: 1,
    pilotperiod: 1,
    provisioning: { batch: 'local', maxWorkers: 2, pilotIdle: 2, startTimeout: 30 },
  });
  await define({
    name: 'broken',
    provisioning: {
      batch: 'local',
      maxWorkers: 2,
      pilotCommand: '/nonexistent/p3s',
      failureLimit: 2,
      failureCooldown: 0,
    },
  });
  factory = startP3s(['factory', '--every', '1', '--grace', '5'], { ...c.env, TMPDIR: c.dataDir });
});

afterAll(async () => {
  factory?.signal('SIGTERM');
  await factory?.exited;
  if (c) await endLocalPilots(c.dataDir);
  await c?.close();
});

/**
 * Local pilots are detached from the factory: end any still alive, by the pid each one recorded,
 * and wait for its wrapper to write the exit status (else it writes into a folder being removed).
 */
async function endLocalPilots(dataDir: string): Promise<void> {
  const state = join(dataDir, 'factory', 'local');
  if (!existsSync(state)) return;
  for (const f of readdirSync(state).filter((n) => n.endsWith('.pid'))) {
    try {
      process.kill(Number(readFileSync(join(state, f), 'utf8')), 'SIGKILL');
    } catch {
      // already gone
    }
    const exit = join(state, f.replace(/\.pid$/, '.exit'));
    await waitFor(`${exit} to be written`, () => existsSync(exit), 10_000, 50);
  }
}

async function define(site: Record<string, unknown>): Promise<void> {
  const file = join(c.dataDir, `${site.name}.json`);
  writeFileSync(file, JSON.stringify(site));
  const res = await c.cli(['site', 'define', file]);
  expect(res.code, res.stderr).toBe(0);
}

async function submit(site: string, payload: string, n = 1): Promise<number[]> {
  const jobs = Array.from({ length: n }, (_, i) => ({ name: `${site}-${i}`, payload, site, timeout: '100' }));
  return (await client.submitJobs(jobs)).jobs.map((j) => j.id);
}

const workersOf = async (site: string): Promise<WorkerWire[]> =>
  (await api().listWorkers({ site, limit: 100 })).workers;

const jobState = async (id: number) => (await client.getJob(id)).job;

async function allEnded(ids: number[], timeoutMs = 60_000) {
  return waitFor(
    `jobs ${ids.join(',')} to end`,
    async () => {
      const jobs = await Promise.all(ids.map(jobState));
      return jobs.every((j) => ['finished', 'failed', 'cancelled'].includes(j.state)) && jobs;
    },
    timeoutMs,
    250,
  );
}

describe('the pilot factory, local batch system', () => {
  it('feeds a site while jobs wait, within maxWorkers, and lets idle pilots go', async () => {
    const ids = await submit('here', 'sleep 2', 3);
    let most = 0;
    const sampling = setInterval(async () => {
      const { workers } = await api().listWorkers({ site: 'here', state: 'submitted,held,running' });
      most = Math.max(most, workers.length);
    }, 200);
    try {
      const jobs = await allEnded(ids);
      expect(jobs.map((j) => j.state)).toEqual(['finished', 'finished', 'finished']);
    } finally {
      clearInterval(sampling);
    }
    expect(most).toBeLessThanOrEqual(2);
    // The idle pilots exit; their workers end finished; nothing new is submitted.
    const ended = await waitFor(
      'the workers to finish',
      async () => {
        const ws = await workersOf('here');
        return ws.length > 0 && ws.every((w) => w.state === 'finished') && ws;
      },
      30_000,
      250,
    );
    expect(ended).toHaveLength(2);
    const pilots = (await client.listPilots({ site: 'here', state: 'stopped' })).pilots;
    for (const w of ended) {
      expect(w.batchId).toMatch(/^local:[0-9a-f]{12}$/);
      expect(w.exitCode).toBe(0);
      const pilot = pilots.find((p) => p.id === w.pilot?.id);
      expect(pilot?.batchId).toBe(w.batchId);
      expect(pilot?.owner).toBe('factory-here');
    }
    // Every job ran on one of these pilots, which the worker shows.
    const ran = (await Promise.all(ids.map(jobState))).map((j) => j.pilotId);
    expect(new Set(ran)).toEqual(new Set(ended.map((w) => w.pilot?.id)));
    expect(ended.reduce((n, w) => n + (w.pilot?.jobsRun ?? 0), 0)).toBe(3);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await workersOf('here')).toHaveLength(2);
  });

  it('submits no more pilots than jobs wait', async () => {
    const [id] = await submit('here', 'sleep 1');
    await allEnded([id as number]);
    await waitFor('the worker to finish', async () =>
      (await workersOf('here')).every((w) => w.state === 'finished'),
    );
    expect(await workersOf('here')).toHaveLength(3);
  });

  it('stops feeding a site whose pilots fail at start, says why, and feeds it again on resume', async () => {
    await submit('broken', '/bin/true', 4);
    const failed = await waitFor(
      'two start failures',
      async () => {
        const ws = await workersOf('broken');
        return ws.length === 2 && ws.every((w) => w.state === 'failed') && ws;
      },
      30_000,
      250,
    );
    for (const w of failed)
      expect(w).toMatchObject({ failure: 'never_registered', exitCode: 127, pilot: null });
    const listed = await c.cli(['workers', 'list', '--site', 'broken', '--all']);
    expect(listed.stdout).toContain(
      'not fed: 2 pilots in a row never registered (last: exit 127); p3s site resume NAME after fixing it',
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await workersOf('broken')).toHaveLength(2);
    // The operator fixes the command and resumes: the site is fed again.
    await define({
      name: 'broken',
      provisioning: { batch: 'local', maxWorkers: 2, failureLimit: 2, pilotIdle: 1 },
    });
    expect((await c.cli(['site', 'resume', 'broken'])).code).toBe(0);
    const jobs = (await client.listJobs({ site: 'broken', limit: 10 })).jobs.map((j) => j.id);
    const done = await allEnded(jobs);
    expect(done.every((j) => j.state === 'finished')).toBe(true);
    expect((await workersOf('broken')).length).toBeGreaterThan(2);
  });

  it('removes a busy worker on request: its job ends pilot_shutdown, the worker cancelled by its killer', async () => {
    const [id] = await submit('here', 'sleep 60');
    const running = await waitFor('the job to run on a new pilot', async () => {
      const job = await jobState(id as number);
      return job.state === 'running' && job;
    });
    const worker = (await workersOf('here')).find((w) => w.pilot?.id === running.pilotId) as WorkerWire;
    const res = await c.cli(['workers', 'kill', String(worker.id)]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('removal requested');
    const [ended] = await allEnded([id as number], 30_000);
    expect(ended).toMatchObject({ state: 'failed', errorName: 'pilot_shutdown' });
    const gone = await waitFor('the worker to end', async () => {
      const { worker: w } = await api().getWorker(worker.id);
      return w.state === 'cancelled' && w;
    });
    expect(gone.cancelledBy).toBe(gone.killRequested?.by);
    const again = await c.cli(['workers', 'kill', String(worker.id)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`cannot kill worker ${worker.id}: it is cancelled`);
  });

  it('drains a site: the running pilot finishes its job and exits, no new pilot comes until resumed', async () => {
    const [first] = await submit('here', 'sleep 3');
    await waitFor('the job to run', async () => (await jobState(first as number)).state === 'running');
    const drained = await c.cli(['site', 'drain', 'here']);
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stdout).toMatch(/site here: drained; 1 pilot\(s\) stop after their current job/);
    const [later] = await submit('here', '/bin/true');
    const [done] = await allEnded([first as number]);
    expect(done?.state).toBe('finished');
    await waitFor(
      'no worker left',
      async () => (await api().listWorkers({ site: 'here', state: 'submitted,held,running' })).total === 0,
    );
    const before = (await workersOf('here')).length;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await workersOf('here')).length).toBe(before);
    expect((await jobState(later as number)).state).toBe('defined');
    const { provisioning } = await api().siteProvisioning('here');
    expect(provisioning.decision).toMatchObject({ submit: 0, limit: 'drained' });
    expect((await c.cli(['site', 'resume', 'here'])).code).toBe(0);
    expect((await allEnded([later as number]))[0]?.state).toBe('finished');
  });
});

describe('p3s server --factory', () => {
  it('feeds a local site from inside the server process, through its own API', async () => {
    const inner = await makeCluster({ serverArgs: ['--factory'] });
    try {
      const file = join(inner.dataDir, 'inner.json');
      writeFileSync(
        file,
        JSON.stringify({ name: 'inner', provisioning: { batch: 'local', maxWorkers: 1, pilotIdle: 1 } }),
      );
      expect((await inner.cli(['site', 'define', file])).code).toBe(0);
      const jobFile = join(inner.dataDir, 'job.json');
      writeFileSync(jobFile, JSON.stringify([{ name: 'inside', payload: '/bin/true', site: 'inner' }]));
      const submitted = await inner.json(['job', 'submit', jobFile]);
      const id = submitted.jobs[0].id;
      await waitFor(
        'the job to finish',
        async () => (await inner.json(['job', 'show', String(id)])).job.state === 'finished',
        60_000,
        250,
      );
      const listed = await inner.json(['workers', 'list', '--all']);
      expect(listed.workers).toHaveLength(1);
      expect(listed.workers[0]).toMatchObject({ site: 'inner', batchSystem: 'local' });
      expect(listed.workers[0].pilot).not.toBeNull();
    } finally {
      await endLocalPilots(inner.dataDir);
      await inner.close();
    }
  });
});
