// Watchdogs end to end: a site defined with the CLI with a queuelimit has its waiting jobs failed
// by the real server's reaper pass with queue_timeout; jobs without a site keep waiting; `p3s job
// retry` queues a timed-out job again, and a pilot of the site then runs it. A server started with
// --dispatch-timeout takes back a job whose pilot claimed it and never reported its start.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registration } from '../helpers/app.ts';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/processes.ts';

let c: Cluster;
afterAll(async () => {
  await c?.close();
});

const show = async (id: number) => (await c.json(['job', 'show', String(id)])).job;

describe('queue watchdog end to end', () => {
  beforeAll(async () => {
    c = await makeCluster();
  });
  it('fails a job that waited past its site queuelimit, and never one without a site', async () => {
    const defined = await c.cli(['site', 'define', '{"name":"nowhere","queuelimit":"1"}']);
    expect(defined.code, defined.stderr).toBe(0);
    expect((await c.cli(['site', 'show', 'nowhere', '-w', 'queuelimit'])).stdout.trim()).toBe('1');
    const bad = await c.cli(['site', 'define', '{"name":"x","queuelimit":0}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('queuelimit: must be');
    const [waiting, siteless] = await c.submit([
      { name: 'waits', payload: '/bin/true', site: 'nowhere' },
      { name: 'anywhere', payload: '/bin/true' },
    ]);
    // The server's reaper runs every 2 s; the limit is 1 s.
    const failed = await waitFor('queue timeout', async () => {
      const job = await show(Number(waiting));
      return job.state === 'failed' && job;
    });
    expect(failed).toMatchObject({ errorName: 'queue_timeout', errorCode: 1600, attempt: 1 });
    expect(failed.errorDiag).toContain('queuelimit of 1s');
    expect((await show(Number(siteless))).state).toBe('defined');

    // Retried by hand, with the limit lifted, a pilot of the site runs it.
    await c.cli(['site', 'define', '{"name":"nowhere"}']);
    expect((await c.cli(['job', 'retry', String(waiting)])).code).toBe(0);
    const pilot = c.startPilot(['-s', 'nowhere', '-c', '2', '-b', '0.5']);
    await waitFor('retried job finished', async () => (await show(Number(waiting))).state === 'finished');
    expect((await show(Number(waiting))).attempt).toBe(2);
    await pilot.exited;
  });
});

describe('dispatch watchdog end to end', () => {
  beforeAll(async () => {
    await c?.close();
    // A lease far longer than the dispatch timeout, so a stuck claim is taken back, not lost.
    c = await makeCluster({ serverArgs: ['--dispatch-timeout', '1', '--lease', '300'] });
  });

  it('queues again a job claimed over the API whose start never came; the late start gets 409', async () => {
    // The admin token the server wrote, as the CLI on this host uses it.
    const token = readFileSync(join(c.dataDir, 'admin.token'), 'utf8').trim();
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${c.server.url}/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    };
    expect((await api('/pilots', registration('stuck-pilot', { site: 'stuck-only' }))).status).toBe(201);
    const [id] = await c.submit([{ name: 'stuck', payload: '/bin/true', site: 'stuck-only' }]);
    const claimed = await api('/pilots/stuck-pilot/claim', { wait: 0, beat: 1 });
    expect(claimed.json.job?.id, JSON.stringify(claimed.json)).toBe(id);
    const requeued = await waitFor('requeue', async () => {
      const job = await show(Number(id));
      return job.state === 'defined' && job;
    });
    expect(requeued).toMatchObject({ attempt: 1, pilotId: null });
    const late = await api(`/jobs/${id}/start`, { pilot: 'stuck-pilot', attempt: 1, pid: 4 });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('lease_lost');
  });
});
