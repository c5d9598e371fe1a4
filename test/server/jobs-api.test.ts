// The user-facing job routes through inject(): P3S inputs accepted, bad input refused
// with the field path and nothing stored, management verbs follow the state rules.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, makeTestApp, type TestApp } from '../helpers/app.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'p3s');
const fixture = (path: string) => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function total(): Promise<number> {
  return (await call(t.app, 'GET', '/api/v1/jobs')).json.total;
}

describe('POST /api/v1/jobs', () => {
  it('accepts job_template2.json unchanged and returns ids in order', async () => {
    const res = await call(t.app, 'POST', '/api/v1/jobs', {
      jobs: fixture('jobs/job_template2.json'),
      user: 'maxim',
    });
    expect(res.status).toBe(201);
    expect(res.json.jobs).toHaveLength(8);
    expect(res.json.jobs.map((j: { priority: number }) => j.priority)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(res.json.jobs[0]).toMatchObject({ state: 'defined', user: 'maxim', timelimit: 100, attempt: 1 });
  });

  it('stores a template job parked', async () => {
    const res = await call(t.app, 'POST', '/api/v1/jobs', {
      jobs: [{ payload: '/bin/true', state: 'template' }],
    });
    expect(res.json.jobs[0].state).toBe('template');
  });

  it.each([
    ['a list that is not a list', { jobs: { payload: 'x' } }, '/body/jobs'],
    ['an unknown field', { jobs: [{ payload: 'x', colour: 'red' }] }, '/jobs/0/colour'],
    ['a negative limit', { jobs: [{ payload: 'x', timeout: '-1' }] }, '/jobs/0/timeout'],
    ['an env value that is not a string', { jobs: [{ payload: 'x', env: { N: 5 } }] }, '/jobs/0/env/N'],
    ['a wrong type', { jobs: [{ payload: 7 }] }, '/jobs/0/payload'],
    ['an unknown top-level field', { jobs: [], extra: 1 }, '/body'],
  ])('refuses %s with 400 and the path, storing nothing', async (_name, body, path) => {
    const res = await call(t.app, 'POST', '/api/v1/jobs', body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.details.map((d: { path: string }) => d.path).join(' ')).toContain(path);
    expect(await total()).toBe(0);
  });

  it('stores none of a list with one bad job', async () => {
    const res = await call(t.app, 'POST', '/api/v1/jobs', {
      jobs: [{ payload: '/bin/true' }, { payload: '/bin/true', priority: 'high' }],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([
      { path: '/jobs/1/priority', message: expect.stringContaining('whole number') },
    ]);
    expect(await total()).toBe(0);
  });

  it('answers invalid JSON (a raw newline inside a key) with 400 invalid_json', async () => {
    const raw = readFileSync(join(FIXTURES, 'data', 'sampleFTSmeta1.json'), 'utf8');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      payload: raw,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      payload: 'jobs=1',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${t.adminToken}`,
      },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('answers an oversized body with 413', async () => {
    const big = { jobs: [{ payload: 'x', env: { A: 'v'.repeat(2 * 1024 * 1024) } }] };
    const res = await call(t.app, 'POST', '/api/v1/jobs', big);
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
  });

  it('refuses more jobs than one submission may hold with 413 naming /body/jobs, storing none', async () => {
    const small = await makeTestApp({ maxJobsPerSubmission: 3 });
    try {
      const jobs = Array.from({ length: 4 }, () => ({ payload: '/bin/true' }));
      const res = await call(small.app, 'POST', '/api/v1/jobs', { jobs });
      expect(res.status).toBe(413);
      expect(res.json.error).toMatchObject({
        code: 'payload_too_large',
        details: [{ path: '/body/jobs', message: 'holds 4 jobs; at most 3 per submission' }],
      });
      expect((await call(small.app, 'GET', '/api/v1/jobs')).json.total).toBe(0);
      expect((await call(small.app, 'POST', '/api/v1/jobs', { jobs: jobs.slice(1) })).status).toBe(201);
    } finally {
      await small.close();
    }
  });

  it('refuses a job whose env is over the limit with 413 naming the job, storing none', async () => {
    const small = await makeTestApp({ maxEnvBytes: 100 });
    try {
      const jobs = [
        { payload: '/bin/true', env: { A: 'ok' } },
        { payload: '/bin/true', env: { BIG: 'x'.repeat(200) } },
      ];
      const res = await call(small.app, 'POST', '/api/v1/jobs', { jobs });
      expect(res.status).toBe(413);
      expect(res.json.error.details).toEqual([
        { path: '/jobs/1/env', message: 'is 210 bytes; at most 100 allowed' },
      ]);
      expect((await call(small.app, 'GET', '/api/v1/jobs')).json.total).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('records the token as the user; only an admin may submit on behalf of someone else', async () => {
    const alice = await createToken(t.store, 'user', 'alice');
    const mine = await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: '/bin/true' }] }, alice);
    expect(mine.status).toBe(201);
    expect(mine.json.jobs[0].user).toBe('alice');
    const spoof = await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: 'x' }], user: 'bob' }, alice);
    expect(spoof.status).toBe(403);
    expect(spoof.json.error.message).toContain('only an admin may act on behalf');
    const onBehalf = await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: 'x' }], user: 'bob' });
    expect(onBehalf.status).toBe(201);
    expect(onBehalf.json.jobs[0].user).toBe('bob');
  });
});

describe('job management', () => {
  async function submit(jobs: unknown[]): Promise<number[]> {
    const res = await call(t.app, 'POST', '/api/v1/jobs', { jobs });
    expect(res.status).toBe(201);
    return res.json.jobs.map((j: { id: number }) => j.id);
  }

  it('lists with filters, sort and paging', async () => {
    await submit(fixture('jobs/job_template2.json'));
    await submit(fixture('jobs/threeSimpleJobs.json'));
    const all = await call(t.app, 'GET', '/api/v1/jobs?limit=5');
    expect(all.json).toMatchObject({ total: 11, totalExact: true, limit: 5, offset: 0 });
    expect(all.json.jobs).toHaveLength(5);
    const bounded = await call(t.app, 'GET', '/api/v1/jobs?limit=5&countUpTo=7');
    expect(bounded.json).toMatchObject({ total: 7, totalExact: false, limit: 5, offset: 0 });
    expect(bounded.json.jobs).toEqual(all.json.jobs);
    for (const countUpTo of ['0', '-1', '2.5', 'many']) {
      const refused = await call(t.app, 'GET', `/api/v1/jobs?countUpTo=${countUpTo}`);
      expect(refused.status, countUpTo).toBe(400);
      expect(refused.json.error.details[0].path, countUpTo).toBe('/querystring/countUpTo');
    }
    const byType = await call(t.app, 'GET', '/api/v1/jobs?jobtype=type2');
    expect(byType.json.jobs.map((j: { name: string }) => j.name)).toEqual(['job2']);
    const byName = await call(t.app, 'GET', '/api/v1/jobs?name=simple*8');
    expect(byName.json.total).toBe(1);
    const sorted = await call(t.app, 'GET', '/api/v1/jobs?sort=priority&order=desc&limit=2');
    expect(sorted.json.jobs.map((j: { priority: number }) => j.priority)).toEqual([8, 7]);
    const bad = await call(t.app, 'GET', '/api/v1/jobs?state=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0].path).toBe('/querystring/state');
    const badSort = await call(t.app, 'GET', '/api/v1/jobs?sort=colour');
    expect(badSort.status).toBe(400);
  });

  it('shows a job with its events; 404 for an unknown id; 400 for a non-numeric id', async () => {
    const [id] = await submit([{ payload: '/bin/true', env: { A: 'x' } }]);
    const shown = await call(t.app, 'GET', `/api/v1/jobs/${id}`);
    expect(shown.json.job.env).toEqual({ A: 'x' });
    expect(shown.json.events[0]).toMatchObject({ fromState: null, toState: 'defined', transition: 'submit' });
    expect((await call(t.app, 'GET', '/api/v1/jobs/999')).status).toBe(404);
    expect((await call(t.app, 'GET', '/api/v1/jobs/abc')).status).toBe(400);
  });

  it('kills a defined job at once, then retries it with a new attempt', async () => {
    const [id] = await submit([{ payload: '/bin/true' }]);
    const killed = await call(t.app, 'POST', `/api/v1/jobs/${id}/kill`, {});
    expect(killed.json).toMatchObject({ immediate: true, job: { state: 'cancelled', errorName: 'killed' } });
    expect((await call(t.app, 'POST', `/api/v1/jobs/${id}/kill`, {})).status).toBe(409);
    const retried = await call(t.app, 'POST', `/api/v1/jobs/${id}/retry`, {});
    expect(retried.json.job).toMatchObject({ state: 'defined', attempt: 2, errorName: null });
    const detail = await call(t.app, 'GET', `/api/v1/jobs/${id}`);
    expect(detail.json.attempts.map((a: { attempt: number; state: string }) => [a.attempt, a.state])).toEqual(
      [[1, 'cancelled']],
    );
  });

  it('refuses to retry a job that has not ended', async () => {
    const [id] = await submit([{ payload: '/bin/true' }]);
    const res = await call(t.app, 'POST', `/api/v1/jobs/${id}/retry`, {});
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('invalid_transition');
  });

  it('adjusts priority, limit, env and state where allowed', async () => {
    const [id] = await submit([{ payload: '/bin/true', env: { A: '1', B: '2' } }]);
    const res = await call(t.app, 'PATCH', `/api/v1/jobs/${id}`, {
      priority: 9,
      timelimit: 60,
      env: { A: 'changed', B: null, C: '3' },
      state: 'template',
    });
    expect(res.status).toBe(200);
    expect(res.json.job).toMatchObject({
      priority: 9,
      timelimit: 60,
      env: { A: 'changed', C: '3' },
      state: 'template',
    });
    expect((await call(t.app, 'PATCH', `/api/v1/jobs/${id}`, {})).status).toBe(400);
    expect(
      (await call(t.app, 'PATCH', `/api/v1/jobs/${id}`, { env: { 'bad-name': 'x' } })).json.error.details[0]
        .path,
    ).toBe('/body/env/bad-name');
    await call(t.app, 'POST', `/api/v1/jobs/${id}/kill`, {});
    expect((await call(t.app, 'PATCH', `/api/v1/jobs/${id}`, { priority: 1 })).status).toBe(409);
  });

  it('deletes an ended or waiting job', async () => {
    const [id] = await submit([{ payload: '/bin/true' }]);
    expect((await call(t.app, 'DELETE', `/api/v1/jobs/${id}`)).json).toEqual({ ok: true });
    expect((await call(t.app, 'GET', `/api/v1/jobs/${id}`)).status).toBe(404);
    expect((await call(t.app, 'DELETE', `/api/v1/jobs/${id}`)).status).toBe(404);
  });

  it('counts jobs and pilots by state', async () => {
    await submit([{ payload: '/bin/true' }, { payload: '/bin/true', state: 'template' }]);
    const res = await call(t.app, 'GET', '/api/v1/summary');
    expect(res.json.jobs).toMatchObject({ total: 2, defined: 1, template: 1, running: 0 });
    expect(res.json.pilots).toMatchObject({ total: 0, idle: 0 });
  });

  it('answers unknown routes with the JSON error body', async () => {
    const res = await call(t.app, 'GET', '/api/v1/nothing');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('route_not_found');
  });
});
