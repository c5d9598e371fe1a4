// The dispatch watchdog through the API: a claimed job whose pilot never reports its start is
// queued again by the reaper pass after the dispatch timeout; the first pilot's late start gets
// 409 lease_lost, another pilot claims and starts it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reapExpiredLeases } from '../../src/server/loops/lease-reaper.ts';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const start = (id: number, pilot: string) =>
  call(t.app, 'POST', `/api/v1/jobs/${id}/start`, { pilot, attempt: 1, pid: 99 });

describe('dispatch timeout', () => {
  it('queues again a job its pilot never started, and refuses that pilot a late start', async () => {
    for (const uuid of ['p-1', 'p-2']) await call(t.app, 'POST', '/api/v1/pilots', registration(uuid));
    const [id] = (await call(t.app, 'POST', '/api/v1/jobs', { jobs: [{ payload: 'x' }] })).json.jobs.map(
      (j: { id: number }) => j.id,
    );
    const claimed = await call(t.app, 'POST', '/api/v1/pilots/p-1/claim', { wait: 0, beat: 1 });
    expect(claimed.json.job.id).toBe(id);
    // Past the 10 s dispatch timeout, within the 30 s lease: the job is taken back, not lost.
    t.advance(11_000);
    const reap = { store: t.store, logger: t.app.log, now: t.app.p3s.now, pilotTimeoutMs: 300_000 };
    expect(await reapExpiredLeases({ ...reap, leaseMs: 30_000, dispatchTimeoutMs: 10_000 })).toBe(0);
    const job = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job;
    expect(job).toMatchObject({ state: 'defined', attempt: 1, pilotId: null });
    expect((await call(t.app, 'GET', '/api/v1/pilots/p-1')).json.pilot).toMatchObject({
      state: 'idle',
      currentJobId: null,
    });
    const late = await start(id, 'p-1');
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('lease_lost');
    const again = await call(t.app, 'POST', '/api/v1/pilots/p-2/claim', { wait: 0, beat: 1 });
    expect(again.json.job).toMatchObject({ id, attempt: 1 });
    expect((await start(id, 'p-2')).status).toBe(200);
  });
});
