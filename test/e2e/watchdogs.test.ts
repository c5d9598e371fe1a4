// Watchdogs end to end: a site defined with the CLI with a queuelimit has its waiting jobs failed
// by the real server's reaper pass with queue_timeout; jobs without a site keep waiting; `p3s job
// retry` queues a timed-out job again, and a pilot of the site then runs it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/processes.ts';

let c: Cluster;
beforeAll(async () => {
  c = await makeCluster();
});
afterAll(async () => {
  await c?.close();
});

const show = async (id: number) => (await c.json(['job', 'show', String(id)])).job;

describe('queue watchdog end to end', () => {
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
