// The purge route through inject(): durations and states checked by name (running work is
// refused), the cutoff measured on the server's clock, dry runs, records and paging.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function submit(n: number): Promise<number[]> {
  const jobs = Array.from({ length: n }, (_, i) => ({ name: `j${i}`, payload: '/bin/true' }));
  return (await call(t.app, 'POST', '/api/v1/jobs', { jobs })).json.jobs.map((j: { id: number }) => j.id);
}

describe('POST /api/v1/purge', () => {
  it.each([
    ['a duration without unit', { what: 'jobs', olderThan: '30' }, '/body/olderThan', 'no unit'],
    ['a bad duration', { what: 'jobs', olderThan: 'soon' }, '/body/olderThan', 'duration'],
    ['running jobs', { what: 'jobs', olderThan: '1d', states: ['running'] }, '/body/states', 'never purged'],
    ['live pilots', { what: 'pilots', olderThan: '1d', states: ['idle'] }, '/body/states', 'never purged'],
    ['an unknown state', { what: 'jobs', olderThan: '1d', states: ['done'] }, '/body/states', 'unknown'],
    ['an unknown kind', { what: 'datasets', olderThan: '1d' }, '/body/what', ''],
    ['no age', { what: 'jobs' }, '/body', ''],
    ['a huge page', { what: 'jobs', olderThan: '1d', limit: 5000 }, '/body/limit', ''],
  ])('refuses %s with 400 naming the field', async (_, body, path, message) => {
    const res = await call(t.app, 'POST', '/api/v1/purge', body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.details[0].path).toBe(path);
    expect(res.json.error.details[0].message).toContain(message);
  });

  it("measures the age on the server's clock and purges only what is old enough", async () => {
    const ids = await submit(3);
    for (const id of ids) await call(t.app, 'POST', `/api/v1/jobs/${id}/kill`, {});
    const young = await call(t.app, 'POST', '/api/v1/purge', { what: 'jobs', olderThan: '1h' });
    expect(young.json).toMatchObject({ what: 'jobs', ids: [], next: null, dryRun: false });
    t.advance(2 * 3600_000);
    const dry = await call(t.app, 'POST', '/api/v1/purge', {
      what: 'jobs',
      olderThan: '1h',
      dryRun: true,
      records: true,
      limit: 2,
    });
    expect(dry.json).toMatchObject({
      ids: ids.slice(0, 2),
      next: ids[1],
      states: ['finished', 'failed', 'cancelled'],
    });
    expect(dry.json.records[0]).toMatchObject({ job: { id: ids[0], state: 'cancelled' } });
    const done = await call(t.app, 'POST', '/api/v1/purge', { what: 'jobs', olderThan: '1h' });
    expect(done.json.ids).toEqual(ids);
    expect((await call(t.app, 'GET', '/api/v1/jobs')).json.total).toBe(0);
  });

  it('never touches a dispatched job or a live pilot', async () => {
    await submit(1);
    await call(t.app, 'POST', '/api/v1/pilots', registration('p-1'));
    const claim = await call(t.app, 'POST', '/api/v1/pilots/p-1/claim', { wait: 0, beat: 1 });
    expect(claim.json.job).not.toBeNull();
    t.advance(30 * 86_400_000);
    for (const what of ['jobs', 'pilots', 'workflows']) {
      const res = await call(t.app, 'POST', '/api/v1/purge', { what, olderThan: '1d' });
      expect(res.json.ids, what).toEqual([]);
    }
    expect((await call(t.app, 'GET', '/api/v1/pilots/p-1')).json.pilot.state).toBe('running');
  });
});
