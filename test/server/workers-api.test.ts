// The worker and provisioning routes through inject(): the factory records workers and batch
// changes (bad input refused with the field path, moves the table forbids with 409), a pilot that
// registers with a worker's batch id is linked to it, a drained site stops new pilots at once, and
// a site's provisioning state is the feed decision over what the database holds.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { newWorker } from '../helpers/workers.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  const site = {
    name: 'hpc',
    provisioning: { batch: 'slurm', maxWorkers: 3, maxQueued: 2, failureLimit: 2, failureCooldown: 0 },
  };
  expect((await call(t.app, 'POST', '/api/v1/sites', { site })).status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

const worker = (n: number, over: Record<string, unknown> = {}) => newWorker(n, over);

async function record(...workers: object[]) {
  const res = await call(t.app, 'POST', '/api/v1/workers', { workers });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.workers as { id: number }[];
}

const provisioning = async () =>
  (await call(t.app, 'GET', '/api/v1/sites/hpc/provisioning')).json.provisioning;

describe('recording workers', () => {
  it('records submitted and refused workers and lists them newest first', async () => {
    const [a] = await record(worker(1));
    await record(
      worker(0, { batchId: null, state: 'failed', failure: 'submit_refused', reason: 'Invalid account' }),
    );
    const list = await call(t.app, 'GET', '/api/v1/workers?site=hpc');
    expect(list.json.total).toBe(2);
    expect(list.json.workers.map((w: { state: string }) => w.state)).toEqual(['failed', 'submitted']);
    const one = await call(t.app, 'GET', `/api/v1/workers/${a?.id}`);
    expect(one.json.worker).toMatchObject({
      batchId: 'slurm:1',
      pilot: null,
      logPath: '/f/logs/hpc/slurm-1.out',
    });
    const audit = await call(t.app, 'GET', '/api/v1/audit?action=worker.submit');
    expect(audit.json.total).toBe(2);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown site', { site: 'nowhere' }, '/body/workers/1/site'],
    ['an unknown batch system', { batchSystem: 'pbs' }, '/body/workers/1/batchSystem'],
    ['a state other than submitted or failed', { state: 'running' }, '/body/workers/1/state'],
    ['an unknown field', { extra: 1 }, '/body/workers/1'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_name, over, path) => {
    const res = await call(t.app, 'POST', '/api/v1/workers', { workers: [worker(1), worker(2, over)] });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.json.error)).toContain(path);
    expect((await call(t.app, 'GET', '/api/v1/workers')).json.total).toBe(0);
  });

  it('applies batch changes as compare-and-sets and refuses moves the table forbids (409)', async () => {
    const [a] = await record(worker(1));
    const moved = await call(t.app, 'POST', '/api/v1/workers/changes', {
      changes: [{ id: a?.id, from: 'submitted', to: 'running', at: 1000 }],
    });
    expect(moved.json).toMatchObject({ workers: [{ state: 'running', startedAt: 1000 }], skipped: [] });
    const stale = await call(t.app, 'POST', '/api/v1/workers/changes', {
      changes: [{ id: a?.id, from: 'submitted', to: 'held', at: 1000 }],
    });
    expect(stale.json).toMatchObject({ workers: [], skipped: [a?.id] });
    const bad = await call(t.app, 'POST', '/api/v1/workers/changes', {
      changes: [
        { id: a?.id, from: 'running', to: 'submitted', at: 1 },
        { id: a?.id, from: 'finished', to: 'running', at: 1 },
      ],
    });
    expect(bad.status).toBe(409);
    expect(bad.json.error.message).toBe(`cannot move to running worker ${a?.id}: it is finished`);
    expect((await call(t.app, 'GET', `/api/v1/workers/${a?.id}`)).json.worker.state).toBe('running');
  });

  it('answers 404 for a worker that does not exist and 400 for an unknown state filter', async () => {
    expect((await call(t.app, 'GET', '/api/v1/workers/99')).status).toBe(404);
    expect((await call(t.app, 'POST', '/api/v1/workers/99/kill')).status).toBe(404);
    const bad = await call(t.app, 'GET', '/api/v1/workers?state=runing');
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('/querystring/state');
  });
});

describe('pilots and their workers', () => {
  it("links a pilot registering with a worker's batch id to that worker", async () => {
    const [a] = await record(worker(7));
    const token = await createToken(t.store, 'pilot', 'hpc-pilots', { site: 'hpc' });
    const reg = await call(
      t.app,
      'POST',
      '/api/v1/pilots',
      registration('p-7', { site: 'hpc', batchId: 'slurm:7' }),
      token,
    );
    expect(reg.status).toBe(201);
    const { worker: w } = (await call(t.app, 'GET', `/api/v1/workers/${a?.id}`)).json;
    expect(w.pilot).toMatchObject({ id: reg.json.pilot.id, uuid: 'p-7', state: 'idle', jobsRun: 0 });
  });

  it('drains a site: live pilots stop after their job, a pilot registering afterwards is told to stop at once', async () => {
    const token = await createToken(t.store, 'pilot', 'hpc-pilots', { site: 'hpc' });
    await call(t.app, 'POST', '/api/v1/pilots', registration('before', { site: 'hpc' }), token);
    await record(worker(1), worker(2));
    const drained = await call(t.app, 'POST', '/api/v1/sites/hpc/drain');
    expect(drained.json).toMatchObject({
      site: { name: 'hpc', drained: { by: 'admin' } },
      pilotsStopping: 1,
      workersToRemove: 2,
    });
    await call(t.app, 'POST', '/api/v1/pilots', registration('after', { site: 'hpc' }), token);
    for (const uuid of ['before', 'after']) {
      const claim = await call(t.app, 'POST', `/api/v1/pilots/${uuid}/claim`, { wait: 0, beat: 1 }, token);
      expect(claim.json, uuid).toEqual({ job: null, command: 'stop' });
    }
    const workers = (await call(t.app, 'GET', '/api/v1/workers')).json.workers;
    expect(workers.map((w: { killRequested: { by: string } }) => w.killRequested?.by)).toEqual([
      'admin (drain)',
      'admin (drain)',
    ]);
    expect((await provisioning()).decision).toMatchObject({ submit: 0, limit: 'drained' });
    const resumed = await call(t.app, 'POST', '/api/v1/sites/hpc/resume');
    expect(resumed.json.site.drained).toBeNull();
    expect((await call(t.app, 'POST', '/api/v1/sites/nowhere/drain')).status).toBe(404);
  });
});

describe('GET /api/v1/sites/:name/provisioning', () => {
  it('is the feed decision over the waiting jobs and workers the database holds', async () => {
    expect((await provisioning()).decision).toMatchObject({ submit: 0, limit: 'no_demand' });
    await call(t.app, 'POST', '/api/v1/jobs', {
      jobs: [1, 2, 3, 4, 5].map(() => ({ payload: '/bin/true', site: 'hpc' })),
    });
    expect(await provisioning()).toMatchObject({
      site: 'hpc',
      batch: 'slurm',
      waitingJobs: 5,
      workers: { submitted: 0, held: 0, running: 0, unclaimed: 0 },
      decision: { submit: 2, limit: 'max_queued', demand: 5 },
    });
    await record(worker(1));
    expect((await provisioning()).decision).toMatchObject({ submit: 1, limit: 'max_queued', demand: 4 });
  });

  it('stops feeding after failureLimit start failures in a row, naming the last one', async () => {
    await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: '/bin/true', site: 'hpc' }] });
    const ws = await record(worker(1), worker(2));
    await call(t.app, 'POST', '/api/v1/workers/changes', {
      changes: ws.map((w) => ({
        id: w.id,
        from: 'submitted',
        to: 'failed',
        at: Date.now(),
        failure: 'never_registered',
        exitCode: 127,
      })),
    });
    expect((await provisioning()).lastDay).toMatchObject({ failed: 2, neverRegistered: 2, lost: 0 });
    expect((await provisioning()).decision).toMatchObject({
      submit: 0,
      limit: 'start_failures',
      detail:
        'not fed: 2 pilots in a row never registered (last: exit 127); p3s site resume NAME after fixing it',
    });
    await call(t.app, 'POST', '/api/v1/sites/hpc/resume');
    expect((await provisioning()).decision).toMatchObject({ submit: 1 });
  });

  it('answers 404 for an unknown site and 400 for a site the factory does not provision', async () => {
    expect((await call(t.app, 'GET', '/api/v1/sites/nowhere/provisioning')).status).toBe(404);
    await call(t.app, 'POST', '/api/v1/sites', { site: { name: 'plain' } });
    const plain = await call(t.app, 'GET', '/api/v1/sites/plain/provisioning');
    expect(plain.status).toBe(400);
    expect(plain.json.error.message).toBe('site plain has no provisioning record');
  });
});
