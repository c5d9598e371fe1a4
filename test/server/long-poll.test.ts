// Long-polling reads (`wait`): answered at once when the answer already says something new, held
// until a change makes it so (woken by the store's change signal), answered as it is when the wait
// runs out, and validated like any query.

import { afterEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/processes.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function useApp(): Promise<TestApp> {
  const t = await makeTestApp();
  cleanups.push(() => t.close());
  return t;
}

/** Submits one job, claims it as pilot p-1 and starts it; its id. */
async function runningJob(t: TestApp): Promise<number> {
  const submitted = await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: '/bin/true' }] });
  const id: number = submitted.json.jobs[0].id;
  expect((await call(t.app, 'POST', '/api/v1/pilots', registration('p-1'))).status).toBe(201);
  const claim = await call(t.app, 'POST', '/api/v1/pilots/p-1/claim', { wait: 0, beat: 5 });
  expect(claim.json.job.id).toBe(id);
  const start = await call(t.app, 'POST', `/api/v1/jobs/${id}/start`, { pilot: 'p-1', attempt: 1, pid: 7 });
  expect(start.status).toBe(200);
  return id;
}

const finish = (t: TestApp, id: number) =>
  call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
    pilot: 'p-1',
    attempt: 1,
    outcome: { kind: 'exited', exitCode: 0 },
    metrics: null,
  });

describe('GET /api/v1/jobs/progress', () => {
  it('counts the jobs by state and answers at once when they have all ended', async () => {
    const t = await useApp();
    const done = await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: '/bin/true' }] });
    const id = done.json.jobs[0].id;
    await call(t.app, 'POST', `/api/v1/jobs/${id}/kill`, {});
    const res = await call(t.app, 'GET', `/api/v1/jobs/progress?ids=${id},99999&wait=60`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ counts: { cancelled: 1 }, missing: 1, ended: true });
  });

  it('holds a request until the last job ends, woken by the finish', async () => {
    const t = await useApp();
    const id = await runningJob(t);
    const pending = call(t.app, 'GET', `/api/v1/jobs/progress?ids=${id}&wait=60`);
    await waitFor('the request to wait', () => t.app.p3s.changes.size === 1, 10_000, 5);
    expect((await finish(t, id)).status).toBe(200);
    const res = await pending;
    expect(res.json).toEqual({ counts: { finished: 1 }, missing: 0, ended: true });
  });

  it('carries the jobs, as the list gives them, once they have ended and jobs=true', async () => {
    const t = await useApp();
    const id = await runningJob(t);
    const other = (await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: '/bin/true' }] })).json
      .jobs[0].id;
    await call(t.app, 'POST', `/api/v1/jobs/${other}/kill`, {});
    const url = `/api/v1/jobs/progress?ids=${id},${other},99999&jobs=true`;
    // Not while one still runs: the rows would be stale by the end.
    const running = await call(t.app, 'GET', url);
    expect(running.json).toEqual({ counts: { running: 1, cancelled: 1 }, missing: 1, ended: false });
    const pending = call(t.app, 'GET', `${url}&wait=60`);
    await waitFor('the request to wait', () => t.app.p3s.changes.size === 1, 10_000, 5);
    expect((await finish(t, id)).status).toBe(200);
    const res = await pending;
    const listed = await call(t.app, 'GET', `/api/v1/jobs?ids=${id},${other},99999`);
    expect(res.json).toEqual({
      counts: { finished: 1, cancelled: 1 },
      missing: 1,
      ended: true,
      jobs: listed.json.jobs,
    });
    expect(res.json.jobs.map((j: { id: number }) => j.id)).toEqual([other, id]);
    // Without jobs=true the answer is the counts alone.
    expect((await call(t.app, 'GET', `/api/v1/jobs/progress?ids=${id}`)).json.jobs).toBeUndefined();
  });

  it('answers with the progress as it is when the wait runs out', async () => {
    const t = await useApp();
    const id = await runningJob(t);
    const res = await call(t.app, 'GET', `/api/v1/jobs/progress?ids=${id}&wait=0.2`);
    expect(res.json).toEqual({ counts: { running: 1 }, missing: 0, ended: false });
    expect(t.app.p3s.changes.size).toBe(0);
  });

  it('refuses a wait beyond the limit and a malformed id list, naming the field', async () => {
    const t = await useApp();
    const long = await call(t.app, 'GET', '/api/v1/jobs/progress?ids=1&wait=61');
    expect(long.status).toBe(400);
    expect(long.json.error.message).toContain('wait');
    const bad = await call(t.app, 'GET', '/api/v1/jobs/progress?ids=1,x');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('ids');
    for (const url of [
      '/api/v1/jobs/progress?ids=1,99999999999999999999',
      '/api/v1/jobs?ids=99999999999999999999',
    ]) {
      const huge = await call(t.app, 'GET', url);
      expect(huge.status, url).toBe(400);
      expect(huge.json.error.details[0].path).toBe('/querystring/ids');
    }
    const many = Array.from({ length: 1001 }, (_, i) => i + 1).join(',');
    const tooMany = await call(t.app, 'GET', `/api/v1/jobs/progress?ids=${many}&jobs=true`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.details[0].path).toBe('/querystring/ids');
    expect(tooMany.json.error.message).toContain('at most 1000 ids');
  });
});

describe('GET /api/v1/jobs/:id/logs with wait', () => {
  it('holds until bytes after the offset arrive', async () => {
    const t = await useApp();
    const id = await runningJob(t);
    const pending = call(t.app, 'GET', `/api/v1/jobs/${id}/logs?offset=0&wait=60`);
    await waitFor('the request to wait', () => t.app.p3s.changes.size === 1, 10_000, 5);
    const sent = await call(t.app, 'POST', `/api/v1/jobs/${id}/heartbeat`, {
      pilot: 'p-1',
      attempt: 1,
      metrics: null,
      logs: { out: { offset: 0, data: Buffer.from('hello\n').toString('base64') } },
    });
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    const res = await pending;
    expect(res.json).toMatchObject({ data: 'hello\n', nextOffset: 6, complete: false });
  });
});

describe('GET /api/v1/workflows/:id with wait and seen', () => {
  it('answers at once for an unseen version, and holds a seen one until the workflow changes', async () => {
    const t = await useApp();
    const dag = `<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">
      <key attr.name="payload" attr.type="string" for="node" id="d101"/>
      <key attr.name="name" attr.type="string" for="edge" id="d1"/>
      <graph edgedefault="directed"><node id="a"><data key="d101">/bin/true</data></node></graph></graphml>`;
    expect((await call(t.app, 'POST', '/api/v1/dags', { name: 'one', graphml: dag })).status).toBe(201);
    const created = await call(t.app, 'POST', '/api/v1/workflows', { dag: 'one', state: 'template' });
    const id = created.json.workflow.id;
    const first = await call(t.app, 'GET', `/api/v1/workflows/${id}?wait=60&seen=nothing-yet`);
    expect(first.json.version).toBe(created.json.version);
    const pending = call(t.app, 'GET', `/api/v1/workflows/${id}?wait=60&seen=${first.json.version}`);
    await waitFor('the request to wait', () => t.app.p3s.changes.size === 1, 10_000, 5);
    expect((await call(t.app, 'POST', `/api/v1/workflows/${id}/start`, {})).status).toBe(200);
    const changed = await pending;
    expect(changed.json.workflow.state).not.toBe('template');
    expect(changed.json.version).not.toBe(first.json.version);
  });
});
