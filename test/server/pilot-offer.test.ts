// What a pilot offers through the API: its resources and lifetime left at registration, stored as
// the server sees them, and the claim that never hands it a job it cannot hold (core/job-fit.ts).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function register(uuid: string, over: Record<string, unknown> = {}) {
  const res = await call(t.app, 'POST', '/api/v1/pilots', registration(uuid, over));
  expect(res.status).toBe(201);
  return res.json;
}
async function submit(jobs: unknown[]): Promise<number[]> {
  const res = await call(t.app, 'POST', '/api/v1/jobs', { jobs });
  return res.json.jobs.map((j: { id: number }) => j.id);
}
const claim = (uuid: string, wait = 0) =>
  call(t.app, 'POST', `/api/v1/pilots/${uuid}/claim`, { wait, beat: 1 });

describe("a pilot's offer", () => {
  it('stores the resources a pilot offers and its lifetime left, and refuses bad ones naming the field', async () => {
    const before = Date.now();
    const reg = await register('p-res', {
      resources: { memory: 2048, cores: 2, disk: 0 },
      lifetimeLeft: 600,
    });
    // 0 = the pilot could not tell: no constraint, as for a pilot that sends nothing.
    expect(reg.pilot).toMatchObject({ memory: 2048, cores: 2, disk: null });
    expect(reg.pilot.lifetimeEndsAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(reg.pilot.lifetimeEndsAt).toBeLessThanOrEqual(Date.now() + 600_000);
    expect((await register('p-old')).pilot).toMatchObject({ memory: null, lifetimeEndsAt: null });
    for (const [over, path] of [
      [{ resources: { memory: -1, cores: 2, disk: 0 } }, '/body/resources/memory'],
      [{ lifetimeLeft: -5 }, '/body/lifetimeLeft'],
      [{ lifetimeLeft: 1.5 }, '/body/lifetimeLeft'],
    ] as const) {
      const res = await call(t.app, 'POST', '/api/v1/pilots', registration('p-bad', over));
      expect(res.status).toBe(400);
      expect(res.json.error.details[0].path).toBe(path);
    }
  });

  it('never hands a pilot a job it cannot hold, and hands it the best job that fits', async () => {
    await register('p-small', { resources: { memory: 1024, cores: 1, disk: 0 }, lifetimeLeft: 60 });
    const [big, long, fits] = await submit([
      { payload: '/bin/big', memory: 2048, priority: 9 },
      { payload: '/bin/long', timeout: '600', priority: 8 },
      { payload: '/bin/fits', memory: 1024, cores: 1, timeout: '50' },
    ]);
    expect((await claim('p-small')).json.job.id).toBe(fits);
    await call(t.app, 'POST', `/api/v1/jobs/${fits}/finish`, {
      pilot: 'p-small',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      metrics: null,
    });
    expect((await claim('p-small')).json.job).toBeNull();
    expect((await call(t.app, 'GET', `/api/v1/jobs/${long}`)).json.job.state).toBe('defined');
    await register('p-large');
    expect((await claim('p-large')).json.job.id).toBe(big);
  });
});
