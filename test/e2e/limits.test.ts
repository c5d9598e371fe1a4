// Enforced limits end to end (real server on SQLite, real pilot processes): a payload past its
// memory, past its disk, or idle past --looping-after fails with its own error, and the pilot
// goes on to the next job.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

const HOG = join(import.meta.dirname, '..', 'fixtures', 'payloads', 'memory-hog.mjs');

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const show = async (cluster: Cluster, id: number) => (await cluster.json(['job', 'show', String(id)])).job;
const ended = (cluster: Cluster, id: number) => async () =>
  ['finished', 'failed', 'cancelled'].includes((await show(cluster, id)).state);

async function memoryCase(store: 'sqlite' | 'postgres') {
  c = await makeCluster({ store });
  // The job's own request is its limit: the pilot offers the node's memory (gigabytes) and is given no --memory.
  const [hog, next] = await c.submit([
    { name: 'hog', payload: `${process.execPath} ${HOG} 400`, memory: 200, priority: 10 },
    { name: 'next', payload: 'echo after' },
  ]);
  const pilot = c.startPilot(['-c', '2', '-b', '0.5', '--kill-grace', '1']);
  await waitFor('both jobs ended', ended(c, next as number), 30_000);
  const failed = await show(c, hog as number);
  expect(failed).toMatchObject({
    state: 'failed',
    errorName: 'memory_exceeded',
    errorCode: 1500,
    memory: 200,
  });
  expect(failed.errorDiag).toMatch(
    /^process group used \d+\.\d MiB \((PSS|RSS)\), over its limit of 300\.0 MiB \(request 200 MiB × grace 1\.5\)$/,
  );
  const after = await show(c, next as number);
  expect(after).toMatchObject({ state: 'finished', pilotId: failed.pilotId });
  expect(await pilot.exited).toBe(0);
}

describe('enforced limits end to end', () => {
  it('fails a job past its memory with memory_exceeded, and its pilot runs the next job (SQLite)', () =>
    memoryCase('sqlite'));
  it.runIf(postgresAvailable())(
    'fails a job past its memory with memory_exceeded, and its pilot runs the next job (PostgreSQL)',
    () => memoryCase('postgres'),
  );

  it('kills a payload that sleeps with no output and no CPU as looping after --looping-after', async () => {
    c = await makeCluster();
    const [id] = await c.submit([{ name: 'sleeper', payload: 'sleep 60' }]);
    const pilot = c.startPilot(['-c', '1', '-b', '0.5', '--kill-grace', '1', '--looping-after', '2']);
    await waitFor('job ended', ended(c, id as number), 30_000);
    const job = await show(c, id as number);
    expect(job).toMatchObject({ state: 'failed', errorName: 'looping', errorCode: 1502 });
    expect(job.errorDiag).toMatch(
      /^no CPU used and no file in the work directory changed for \d+ s \(limit 2 s\)$/,
    );
    expect(await pilot.exited).toBe(0);
  });

  it('fails a job writing past the disk it may use with disk_exceeded', async () => {
    c = await makeCluster();
    const [id] = await c.submit([
      {
        name: 'writer',
        payload: 'dd if=/dev/zero of=big bs=1M count=40 2>/dev/null; sleep 60',
        env: { P3S_EXECMODE: 'shell' },
      },
    ]);
    const pilot = c.startPilot(['-c', '1', '-b', '0.5', '--kill-grace', '1', '--disk', '10']);
    await waitFor('job ended', ended(c, id as number), 30_000);
    const job = await show(c, id as number);
    expect(job).toMatchObject({ state: 'failed', errorName: 'disk_exceeded', errorCode: 1501 });
    expect(job.errorDiag).toMatch(/^work directory holds \d+\.\d MiB, over its disk request of 10 MiB$/);
    expect(await pilot.exited).toBe(0);
  });

  it('refuses a bad resource request naming the field, and accepts a P3S job without one', async () => {
    c = await makeCluster();
    const file = join(c.dataDir, 'bad.json');
    writeFileSync(file, JSON.stringify([{ payload: 'true', memory: '2GB' }]));
    const bad = await c.cli(['job', 'submit', file]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('job 1: memory: must be a whole number of MiB, got "2GB"');
    // Copies of one mistake: said once, for all of them.
    const copies = await c.cli(['job', 'submit', file, '-N', '30']);
    expect(copies.code).not.toBe(0);
    expect(copies.stderr).toContain(': 1 problem, nothing was submitted');
    expect(copies.stderr.trim().split('\n')).toContain(
      '  jobs 1-30: memory: must be a whole number of MiB, got "2GB"',
    );
    const [id] = await c.submit([{ name: 'p3s', timeout: '100', payload: 'true', cores: '2', disk: 100 }]);
    expect(await show(c, id as number)).toMatchObject({ state: 'defined', cores: 2, disk: 100 });
    expect(await show(c, id as number)).not.toHaveProperty('memory');
  });
});
