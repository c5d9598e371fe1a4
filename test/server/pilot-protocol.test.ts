// The pilot protocol through inject(): register, claim (long-poll), start, heartbeat
// with logs and the kill command, finish; a pilot can only report on a job it holds.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reapExpiredLeases } from '../../src/server/loops/lease-reaper.ts';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { withoutRetryRules } from '../helpers/retry-rules.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

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

describe('pilot protocol', () => {
  it('runs a job through claim, start, heartbeat with logs, and finish', async () => {
    const reg = await register('p-1');
    expect(reg.config).toMatchObject({ leaseSeconds: 30, maxClaimWait: 5 });
    const [id] = await submit([{ payload: '/bin/echo hi', env: { A: '1' }, timeout: '100' }]);
    const claimed = await claim('p-1');
    expect(claimed.json.job).toMatchObject({
      id,
      payload: '/bin/echo hi',
      env: { A: '1' },
      timelimit: 100,
      attempt: 1,
    });
    expect((await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job.state).toBe('dispatched');

    const started = await call(t.app, 'POST', `/api/v1/jobs/${id}/start`, {
      pilot: 'p-1',
      attempt: 1,
      pid: 99,
    });
    expect(started.json.command).toBeNull();
    const beat = await call(t.app, 'POST', `/api/v1/jobs/${id}/heartbeat`, {
      pilot: 'p-1',
      attempt: 1,
      metrics: { cpuSeconds: 0.5, rssKb: 1000, maxRssKb: 1200 },
      logs: { out: { offset: 0, data: b64('hello ') } },
    });
    expect(beat.status).toBe(200);
    const running = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job;
    expect(running).toMatchObject({ state: 'running', pid: 99, host: 'node1', maxRssKb: 1200 });

    const finished = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
      pilot: 'p-1',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      metrics: null,
      logs: { out: { offset: 6, data: b64('world\n') }, err: { offset: 0, data: b64('warn\n') } },
    });
    expect(finished.json).toEqual({ state: 'finished' });
    const out = await call(t.app, 'GET', `/api/v1/jobs/${id}/logs`);
    expect(out.json).toMatchObject({ data: 'hello world\n', complete: true, totalBytes: 12 });
    const err = await call(t.app, 'GET', `/api/v1/jobs/${id}/logs?stream=err`);
    expect(err.json.data).toBe('warn\n');
    const pilot = (await call(t.app, 'GET', '/api/v1/pilots/p-1')).json.pilot;
    expect(pilot).toMatchObject({ state: 'idle', jobsRun: 1, currentJobId: null });
  });

  it('holds a pilot that says why it takes no job, at once, and clears the hold with null', async () => {
    await register('p-1');
    const [id] = await submit([{ payload: '/bin/true' }]);
    const reason = "the pilot's job log dir /data/joblogs is full: 0 B free, 16 MiB needed to take jobs";
    const held = await call(t.app, 'POST', '/api/v1/pilots/p-1/claim', { wait: 60, beat: 1, hold: reason });
    expect(held.json).toEqual({ job: null, command: null });
    expect((await call(t.app, 'GET', '/api/v1/pilots/p-1')).json.pilot).toMatchObject({
      hold: reason,
      state: 'idle',
    });
    expect((await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job.state).toBe('defined');
    const resumed = await call(t.app, 'POST', '/api/v1/pilots/p-1/claim', { wait: 0, beat: 1, hold: null });
    expect(resumed.json.job).toMatchObject({ id });
    expect((await call(t.app, 'GET', '/api/v1/pilots/p-1')).json.pilot).toMatchObject({
      hold: null,
      state: 'running',
    });
    const long = { wait: 0, beat: 1, hold: 'x'.repeat(2001) };
    expect((await call(t.app, 'POST', '/api/v1/pilots/p-1/claim', long)).status).toBe(400);
  });

  it('records a disk_full outcome as failed with the directory in its diagnostic', async () => {
    await register('p-1');
    const [id] = await submit([{ payload: '/bin/true' }]);
    await claim('p-1');
    const outcome = { kind: 'disk_full', path: '/data/work', detail: 'cannot prepare the payload: ENOSPC' };
    const res = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
      pilot: 'p-1',
      attempt: 1,
      outcome,
      metrics: null,
    });
    expect(res.json).toEqual({ state: 'failed' });
    expect((await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job).toMatchObject({
      errorName: 'disk_full',
      errorCode: 1404,
      errorDiag: 'no space left on /data/work: cannot prepare the payload: ENOSPC',
    });
  });

  it.each([
    ['memory_exceeded', 1500, 'process group used 412.3 MiB (PSS), over its limit of 300.0 MiB'],
    ['disk_exceeded', 1501, 'work directory holds 41.0 MiB, over its disk request of 10 MiB'],
    ['looping', 1502, 'no CPU used and no file in the work directory changed for 3 s (limit 2 s)'],
  ])(
    'records a %s outcome as failed with code %i and the pilot detail as its diagnostic',
    async (kind, code, detail) => {
      await register('p-1');
      const [id] = await submit([{ payload: '/bin/true', memory: 200, disk: 10 }]);
      await claim('p-1');
      const res = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
        pilot: 'p-1',
        attempt: 1,
        outcome: { kind, detail },
        metrics: null,
      });
      expect(res.json).toEqual({ state: 'failed' });
      expect((await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job).toMatchObject({
        errorName: kind,
        errorCode: code,
        errorDiag: detail,
      });
    },
  );

  it.each(['.', '..'])(
    'refuses the pilot uuid %j, which a URL or a file name would take for a directory',
    async (uuid) => {
      const res = await call(t.app, 'POST', '/api/v1/pilots', registration(uuid));
      expect(res.status).toBe(400);
      expect(res.json.error.details[0].path).toBe('/body/uuid');
    },
  );

  it('records a non-zero exit as failed with the exit_code error', async () => {
    await register('p-1');
    const [id] = await submit([{ payload: '/bin/false' }]);
    await claim('p-1');
    const res = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
      pilot: 'p-1',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 3 },
      metrics: null,
    });
    expect(res.json.state).toBe('failed');
    const job = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job;
    expect(job).toMatchObject({ exitCode: 3, errorName: 'exit_code', errorCode: 1100 });
  });

  it('hands out jobs by priority, then submission order', async () => {
    await register('p-1');
    await submit([
      { payload: 'a', priority: '1' },
      { payload: 'b', priority: '5' },
      { payload: 'c', priority: '5' },
    ]);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const job = (await claim('p-1')).json.job;
      order.push(job.payload);
      await call(t.app, 'POST', `/api/v1/jobs/${job.id}/finish`, {
        pilot: 'p-1',
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        metrics: null,
      });
    }
    expect(order).toEqual(['b', 'c', 'a']);
  });

  it('matches site and job types', async () => {
    await register('cern-reco', { site: 'cern', jobTypes: ['reco'] });
    await register('anywhere');
    await submit([
      { payload: 'site-job', site: 'cern', jobtype: 'reco' },
      { payload: 'other-type', jobtype: 'sim' },
    ]);
    expect((await claim('anywhere')).json.job.payload).toBe('other-type');
    expect((await claim('cern-reco')).json.job.payload).toBe('site-job');
  });

  it('answers "no job" after the wait when nothing matches', async () => {
    await register('p-1');
    expect((await claim('p-1', 0)).json).toEqual({ job: null, command: null });
  });

  it('stops waiting, and claims nothing, for a pilot that hung up during its long-poll', async () => {
    await register('p-1');
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const hangUp = new AbortController();
    const pending = fetch(`${address}/api/v1/pilots/p-1/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
      body: JSON.stringify({ wait: 5, beat: 1 }),
      signal: hangUp.signal,
    }).catch(() => 'hung up');
    await new Promise((r) => setTimeout(r, 200));
    hangUp.abort();
    expect(await pending).toBe('hung up');
    await new Promise((r) => setTimeout(r, 200));
    const [id] = await submit([{ payload: '/bin/true' }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job.state).toBe('defined');
  });

  it('delivers a kill through the heartbeat reply; the pilot reports it killed → cancelled', async () => {
    await register('p-1');
    const [id] = await submit([{ payload: 'sleep 100' }]);
    await claim('p-1');
    await call(t.app, 'POST', `/api/v1/jobs/${id}/start`, { pilot: 'p-1', attempt: 1, pid: 5 });
    const kill = await call(t.app, 'POST', `/api/v1/jobs/${id}/kill`, {});
    expect(kill.json).toMatchObject({ immediate: false, job: { state: 'running', killRequested: true } });
    const beat = await call(t.app, 'POST', `/api/v1/jobs/${id}/heartbeat`, {
      pilot: 'p-1',
      attempt: 1,
      metrics: null,
    });
    expect(beat.json.command).toBe('kill');
    const end = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
      pilot: 'p-1',
      attempt: 1,
      outcome: { kind: 'killed' },
      metrics: null,
    });
    expect(end.json.state).toBe('cancelled');
  });

  it('refuses reports from a pilot that does not hold the job, leaving it unchanged', async () => {
    await register('holder');
    await register('intruder');
    const [id] = await submit([{ payload: 'x' }]);
    await claim('holder');
    const before = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job;
    const beat = await call(t.app, 'POST', `/api/v1/jobs/${id}/heartbeat`, {
      pilot: 'intruder',
      attempt: 1,
      metrics: null,
      logs: { out: { offset: 0, data: b64('spoofed') } },
    });
    expect(beat.status).toBe(409);
    expect(beat.json.error.code).toBe('lease_lost');
    const fin = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
      pilot: 'intruder',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      metrics: null,
      logs: { out: { offset: 0, data: b64('spoofed') } },
    });
    expect(fin.status).toBe(409);
    const wrongAttempt = await call(t.app, 'POST', `/api/v1/jobs/${id}/start`, {
      pilot: 'holder',
      attempt: 2,
      pid: 1,
    });
    expect(wrongAttempt.status).toBe(409);
    const after = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job;
    expect(after).toEqual(before);
    expect((await call(t.app, 'GET', `/api/v1/jobs/${id}/logs`)).json.totalBytes).toBe(0);
  });

  it('accepts a re-sent final report (idempotent finish)', async () => {
    await register('p-1');
    const [id] = await submit([{ payload: 'x' }]);
    await claim('p-1');
    const body = { pilot: 'p-1', attempt: 1, outcome: { kind: 'exited', exitCode: 0 }, metrics: null };
    expect((await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, body)).json.state).toBe('finished');
    expect((await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, body)).json.state).toBe('finished');
  });

  it('claims the next job with the finish when asked (fetch-next), or answers none or stop', async () => {
    const reg = await register('p-1');
    const [first, second] = await submit([{ payload: 'one' }, { payload: 'two' }]);
    await claim('p-1');
    const report = (id: number | undefined, next?: unknown) =>
      call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, {
        pilot: 'p-1',
        attempt: 1,
        outcome: { kind: 'exited', exitCode: 0 },
        metrics: null,
        ...(next === undefined ? {} : { next }),
      });
    const one = await report(first, { beat: 1 });
    expect(one.json).toMatchObject({
      state: 'finished',
      next: { job: { id: second, payload: 'two' }, command: null },
    });
    expect((await call(t.app, 'GET', `/api/v1/jobs/${second}`)).json.job).toMatchObject({
      state: 'dispatched',
      pilotId: reg.pilot.id,
    });
    expect((await report(second, { beat: 1 })).json).toEqual({
      state: 'finished',
      next: { job: null, command: null },
    });
    // Without `next` the reply is as before; a malformed `next` is refused naming the field.
    const [third] = await submit([{ payload: 'three' }]);
    await claim('p-1');
    const bad = await report(third, { beat: 0 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error.details)).toContain('/next/beat');
    await call(t.app, 'POST', `/api/v1/pilots/${reg.pilot.id}/stop`, {});
    await submit([{ payload: 'four' }]);
    expect((await report(third, { beat: 1 })).json).toEqual({
      state: 'finished',
      next: { job: null, command: 'stop' },
    });
  });

  it('takes the start with the finish of a job that ended before its start was reported', async () => {
    await register('p-1');
    const [id] = await submit([{ payload: 'quick' }]);
    await claim('p-1');
    const body = (started: unknown) => ({
      pilot: 'p-1',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      metrics: null,
      started,
    });
    const bad = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, body({ pid: 0, seconds: 1 }));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error.details)).toContain('/started/pid');
    expect((await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job.state).toBe('dispatched');
    const ok = await call(t.app, 'POST', `/api/v1/jobs/${id}/finish`, body({ pid: 77, seconds: 0.25 }));
    expect(ok.json).toEqual({ state: 'finished' });
    const job = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job;
    expect(job).toMatchObject({ state: 'finished', pid: 77 });
    expect(job.endedAt - job.startedAt).toBe(250);
  });

  it('says on retry that a lost job payload may still run, until its pilot is heard from again', async () => {
    await withoutRetryRules(t.store);
    await register('p-1');
    const [id] = await submit([{ payload: 'x' }]);
    const reap = { store: t.store, logger: t.app.log, pilotTimeoutMs: 300_000, leaseMs: 30_000 };
    const lose = async () => {
      await claim('p-1');
      t.advance(31_000);
      expect(await reapExpiredLeases({ ...reap, now: t.app.p3s.now })).toBe(1);
      t.advance(1000);
    };
    await lose();
    const warned = await call(t.app, 'POST', `/api/v1/jobs/${id}/retry`, {});
    expect(warned.json.job).toMatchObject({ state: 'defined', attempt: 2 });
    expect(warned.json.warning).toMatch(
      /lost with pilot p-1 on node1, not heard from since: its payload may still be running/,
    );
    // Lost again; then the pilot talks (a claim): it has learnt the job is gone and killed the payload.
    await lose();
    expect((await claim('p-1')).json.job).toBeNull();
    const quiet = await call(t.app, 'POST', `/api/v1/jobs/${id}/retry`, {});
    expect(quiet.json.job).toMatchObject({ state: 'defined', attempt: 3 });
    expect(quiet.json.warning).toBeUndefined();
  });

  it('fails a job whose lease expired as lost and marks its pilot lost (no retry rules)', async () => {
    await withoutRetryRules(t.store);
    await register('p-1');
    const [id] = await submit([{ payload: 'x' }]);
    await claim('p-1');
    t.advance(31_000);
    const lost = await reapExpiredLeases({
      store: t.store,
      logger: t.app.log,
      now: () => Date.now() + 31_000,
      pilotTimeoutMs: 300_000,
      leaseMs: 30_000,
    });
    expect(lost).toBe(1);
    const job = (await call(t.app, 'GET', `/api/v1/jobs/${id}`)).json.job;
    expect(job).toMatchObject({ state: 'failed', errorName: 'lost', errorCode: 1400 });
    expect((await call(t.app, 'GET', '/api/v1/pilots/p-1')).json.pilot.state).toBe('lost');
    const late = await call(t.app, 'POST', `/api/v1/jobs/${id}/heartbeat`, {
      pilot: 'p-1',
      attempt: 1,
      metrics: null,
    });
    expect(late.status).toBe(409);
  });

  it('tells a pilot to stop at its next claim when asked', async () => {
    const reg = await register('p-1');
    await call(t.app, 'POST', `/api/v1/pilots/${reg.pilot.id}/stop`, {});
    expect((await claim('p-1')).json.command).toBe('stop');
    const gone = await call(t.app, 'POST', '/api/v1/pilots/p-1/deregister', {});
    expect(gone.json.pilot.state).toBe('stopped');
    expect((await claim('p-1')).status).toBe(404);
  });

  it('refuses claims from unknown pilots and malformed protocol bodies', async () => {
    expect((await claim('nobody')).json.error.code).toBe('pilot_unknown');
    const bad = await call(t.app, 'POST', '/api/v1/pilots', { uuid: 'x' });
    expect(bad.status).toBe(400);
    const badOutcome = await call(t.app, 'POST', '/api/v1/jobs/1/finish', {
      pilot: 'p',
      attempt: 1,
      outcome: { kind: 'exploded' },
      metrics: null,
    });
    expect(badOutcome.status).toBe(400);
  });
});
