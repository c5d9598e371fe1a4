// True timestamps end to end: a pilot whose clock runs an hour ahead still gives its jobs start
// and end times on the server's clock, and run times as long as the payloads ran, because it
// reports measured intervals, not its clock's readings; and it measures them on a monotonic clock,
// so a step of its wall clock during a job neither skews the run time nor stretches the time limit.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { startPilotProcess, waitFor } from '../helpers/processes.ts';

const AHEAD = join(import.meta.dirname, '..', 'fixtures', 'clock', 'ahead.mjs');
const STEPS_BACK = join(import.meta.dirname, '..', 'fixtures', 'clock', 'steps-back.mjs');

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('timestamps end to end', () => {
  it("dates attempts on the server's clock from a pilot whose clock is an hour ahead", async () => {
    c = await makeCluster();
    const submittedAt = Date.now();
    // A job long enough for its own start report, and one that ends before the report is due.
    const [slow, quick] = (await c.submit([
      { name: 'slow', payload: 'sleep 1.5', priority: 10 },
      { name: 'quick', payload: '/bin/true' },
    ])) as [number, number];
    const pilot = startPilotProcess(c.dataDir, { ...c.env, NODE_OPTIONS: `--import=${AHEAD}` }, [
      '-c',
      '2',
      '-b',
      '0.5',
    ]);
    const show = async (id: number) => (await (c as Cluster).json(['job', 'show', String(id)])).job;
    await waitFor('both finished', async () => (await show(quick)).state === 'finished', 30_000).catch(
      async (e) => {
        throw new Error(
          `${e.message}\n${JSON.stringify([await show(slow), await show(quick)])}\n${pilot.output()}`,
        );
      },
    );
    const now = Date.now();
    for (const id of [slow, quick]) {
      const job = await show(id);
      expect(job.startedAt, job.name).toBeGreaterThanOrEqual(submittedAt);
      expect(job.endedAt, job.name).toBeLessThanOrEqual(now);
      expect(job.endedAt, job.name).toBeGreaterThanOrEqual(job.startedAt);
    }
    const ran = (await show(slow)).endedAt - (await show(slow)).startedAt;
    expect(ran).toBeGreaterThanOrEqual(1500);
    expect(ran).toBeLessThan(2500);
    expect(await pilot.exited).toBe(0);
  });

  it('times jobs and their limits right through steps of the wall clock', async () => {
    c = await makeCluster();
    const submittedAt = Date.now();
    const [ran, limited] = (await c.submit([
      { name: 'ran', payload: 'sleep 1.5', priority: 10 },
      { name: 'limited', payload: 'sleep 60', timelimit: 2 },
    ])) as [number, number];
    // Two slots: both jobs run at once, each through several steps back of an hour.
    const pilot = startPilotProcess(c.dataDir, { ...c.env, NODE_OPTIONS: `--import=${STEPS_BACK}` }, [
      '--slots',
      '2',
      '-c',
      '1',
      '-b',
      '0.5',
      '--kill-grace',
      '1',
    ]);
    const show = async (id: number) => (await (c as Cluster).json(['job', 'show', String(id)])).job;
    await waitFor(
      'both ended',
      async () => (await show(ran)).state === 'finished' && (await show(limited)).state === 'failed',
      30_000,
    ).catch(async (e) => {
      throw new Error(
        `${e.message}\n${JSON.stringify([await show(ran), await show(limited)])}\n${pilot.output()}`,
      );
    });
    const now = Date.now();
    const done = await show(ran);
    expect(done.endedAt - done.startedAt).toBeGreaterThanOrEqual(1500);
    expect(done.endedAt - done.startedAt).toBeLessThan(2500);
    const cut = await show(limited);
    expect(cut.errorName).toBe('timelimit');
    // Killed when its 2 s were up, not an hour of wall clock later.
    expect(cut.endedAt - cut.startedAt).toBeGreaterThanOrEqual(2000);
    expect(cut.endedAt - cut.startedAt).toBeLessThan(4000);
    for (const job of [done, cut]) {
      expect(job.startedAt, job.name).toBeGreaterThanOrEqual(submittedAt);
      expect(job.endedAt, job.name).toBeLessThanOrEqual(now);
    }
    expect(await pilot.exited).toBe(0);
  });
});
