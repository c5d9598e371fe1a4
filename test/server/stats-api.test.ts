// The monitor's statistics routes and the job list's new filters through inject(): real jobs run
// through the pilot protocol, windows and limits validated, errors named by name or number.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

/** Submits one job and has a new pilot run it to the given exit code. */
async function run(name: string, exitCode: number, jobtype = 'reco'): Promise<number> {
  const [job] = (await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ name, jobtype, payload: '/bin/x' }] }))
    .json.jobs;
  const uuid = `pilot-${name}`;
  await call(t.app, 'POST', '/api/v1/pilots', registration(uuid));
  const claim = await call(t.app, 'POST', `/api/v1/pilots/${uuid}/claim`, { wait: 0, beat: 1 });
  expect(claim.json.job.id).toBe(job.id);
  await call(t.app, 'POST', `/api/v1/jobs/${job.id}/start`, { pilot: uuid, attempt: 1, pid: 7 });
  const outcome = { kind: 'exited', exitCode };
  const done = await call(t.app, 'POST', `/api/v1/jobs/${job.id}/finish`, {
    pilot: uuid,
    attempt: 1,
    outcome,
    metrics: null,
  });
  expect(done.status).toBe(200);
  return job.id;
}

describe('GET /api/v1/stats/*', () => {
  it('answers the timeline of the last hour by default, and day and week on request', async () => {
    await run('ok', 0);
    await run('bad', 3);
    const hour = await call(t.app, 'GET', '/api/v1/stats/timeline');
    expect(hour.status).toBe(200);
    expect(hour.json).toMatchObject({ window: 'hour', bucketSeconds: 60 });
    expect(hour.json.points).toHaveLength(60);
    const sum = (key: string) =>
      hour.json.points.reduce((n: number, p: Record<string, number>) => n + (p[key] ?? 0), 0);
    expect([sum('finished'), sum('failed')]).toEqual([1, 1]);
    expect(hour.json.points.at(-1)).toMatchObject({ running: 0, pilots: 2 });
    expect((await call(t.app, 'GET', '/api/v1/stats/timeline?window=week')).json.points).toHaveLength(168);
    const bad = await call(t.app, 'GET', '/api/v1/stats/timeline?window=year');
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('/querystring/window');
  });

  it('groups failures of the window and counts them all', async () => {
    const first = await run('a', 3);
    await run('b', 3);
    await run('c', 4);
    const res = await call(t.app, 'GET', '/api/v1/stats/failures?window=hour&limit=1');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ window: 'hour', total: 3 });
    expect(res.json.groups).toEqual([
      {
        errorName: 'exit_code',
        errorCode: 1100,
        diagnostic: 'payload exited with status 3',
        count: 2,
        lastAt: expect.any(Number),
        lastJobId: first + 1,
        example: 'payload exited with status 3',
      },
    ]);
    expect((await call(t.app, 'GET', '/api/v1/stats/failures?limit=0')).status).toBe(400);
  });

  it('answers queue depth by job type and site', async () => {
    await call(t.app, 'POST', '/api/v1/jobs', {
      jobs: [
        { payload: '/bin/x', jobtype: 'calib', site: 'fnal' },
        { payload: '/bin/x', jobtype: 'calib', site: 'fnal' },
        { payload: '/bin/x', jobtype: 'reco', state: 'template' },
      ],
    });
    const res = await call(t.app, 'GET', '/api/v1/stats/queue');
    expect(res.json).toEqual({
      queue: [{ jobtype: 'calib', site: 'fnal', defined: 2, dispatched: 0, running: 0 }],
    });
  });
});

describe('GET /api/v1/jobs: error and time-window filters', () => {
  it('filters by error name or number and refuses an unknown one', async () => {
    const bad = await run('bad', 3);
    await run('ok', 0);
    for (const error of ['exit_code', '1100']) {
      const res = await call(t.app, 'GET', `/api/v1/jobs?error=${error}`);
      expect(res.json.jobs.map((j: { id: number }) => j.id)).toEqual([bad]);
    }
    const unknown = await call(t.app, 'GET', '/api/v1/jobs?error=9999');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.details[0].path).toBe('/querystring/error');
  });

  it('keeps jobs whose chosen time lies in [since, until)', async () => {
    const first = await run('first', 0);
    t.advance(60_000);
    const now = Date.now() + 60_000;
    const second = await run('second', 0);
    const ids = async (query: string) =>
      (await call(t.app, 'GET', `/api/v1/jobs?${query}&sort=id&order=asc`)).json.jobs.map(
        (j: { id: number }) => j.id,
      );
    expect(await ids(`since=${now - 1000}&time=created`)).toEqual([second]);
    expect(await ids(`until=${now - 1000}&time=ended`)).toEqual([first]);
    expect(await ids(`since=${now - 1000}`)).toEqual([second]);
    expect((await call(t.app, 'GET', '/api/v1/jobs?time=started&since=1')).status).toBe(400);
  });
});
