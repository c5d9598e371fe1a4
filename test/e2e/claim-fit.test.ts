// What a claim checks, end to end (real server, real pilot processes): a pilot is never handed a
// job asking for more memory than it offers, nor one whose time limit outlives it, while another
// job fits; the job it passed over stays queued for a pilot that can hold it.

import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const show = async (cluster: Cluster, id: number) => (await cluster.json(['job', 'show', String(id)])).job;
const finished = (cluster: Cluster, id: number) => async () => (await show(cluster, id)).state === 'finished';
const pilotsOf = async (cluster: Cluster) => (await cluster.json(['pilots', 'list', '--all'])).pilots;

async function memoryCase(store: 'sqlite' | 'postgres') {
  c = await makeCluster({ store });
  // The bigger job is the better one (priority 10): only the fit keeps it from the small pilot.
  const [big, small] = await c.submit([
    { name: 'big', payload: 'echo big', memory: 2048, priority: 10 },
    { name: 'small', payload: 'echo small', memory: 512 },
  ]);
  const pilot = c.startPilot(['-c', '1', '-b', '0.5', '--memory', '1024']);
  await waitFor('the small job finished', finished(c, small as number), 30_000);
  expect(await pilot.exited).toBe(0);
  expect(await show(c, big as number)).toMatchObject({ state: 'defined', pilotId: null });
  const [registered] = await pilotsOf(c);
  expect(registered).toMatchObject({ memory: 1024, jobsRun: 1 });
  // A pilot that offers enough takes it.
  const large = c.startPilot(['-c', '1', '-b', '0.5', '--memory', '4096']);
  await waitFor('the big job finished', finished(c, big as number), 30_000);
  expect(await large.exited).toBe(0);
}

describe('a claim hands a pilot only jobs it can hold', () => {
  it('a pilot offering 1024 MiB never takes a job asking 2048 while another fits (SQLite)', () =>
    memoryCase('sqlite'));
  it.runIf(postgresAvailable())(
    'a pilot offering 1024 MiB never takes a job asking 2048 while another fits (PostgreSQL)',
    () => memoryCase('postgres'),
  );

  it('a pilot with 60 s of lifetime left never takes a job with a 600 s time limit', async () => {
    c = await makeCluster();
    const [long, short] = await c.submit([
      { name: 'long', payload: 'echo long', timelimit: 600, priority: 10 },
      { name: 'short', payload: 'echo short', timelimit: 30 },
    ]);
    const before = Date.now();
    const pilot = c.startPilot(['-c', '1', '-b', '0.5', '--lifetime', '60']);
    await waitFor('the short job finished', finished(c, short as number), 30_000);
    expect(await pilot.exited).toBe(0);
    expect(await show(c, long as number)).toMatchObject({ state: 'defined', pilotId: null });
    // The server keeps when the pilot's lifetime ends, by its own clock.
    const [registered] = await pilotsOf(c);
    expect(registered.lifetimeEndsAt).toBeGreaterThan(before + 50_000);
    expect(registered.lifetimeEndsAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });
});
