// Automatic retry rules end to end (real server, real pilot processes, the CLI as typed): a pilot
// killed with -9 leaves its job lost and the shipped rule runs attempt 2; a time limit or a memory
// kill under an increase rule gets a bigger attempt 2 that finishes; a payload's own exit 2 is not
// tried again. Counted from the payloads' own record of each run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

const PAYLOADS = join(import.meta.dirname, '..', 'fixtures', 'payloads');
const HANG_FIRST = join(PAYLOADS, 'hang-first-attempt.sh');
const HOG = join(PAYLOADS, 'memory-hog.mjs');

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
const detail = async (cluster: Cluster, id: number): Promise<any> =>
  cluster.json(['job', 'show', String(id)]);
const stateOf = async (cluster: Cluster, id: number) => (await detail(cluster, id)).job.state;
const runs = (log: string) => readFileSync(log, 'utf8').trim().split('\n');

async function lostThenRetried(store: 'sqlite' | 'postgres') {
  c = await makeCluster({ store, serverArgs: ['--lease', '2'] });
  const log = join(c.dataDir, 'runs.log');
  const [id] = (await c.submit([{ name: 'orphan', payload: HANG_FIRST, env: { RUN_LOG: log } }])) as [number];
  const first = c.startPilot(['-c', '0', '-b', '0.5']);
  await waitFor('attempt 1 running', async () => (await stateOf(c as Cluster, id)) === 'running');
  first.signal('SIGKILL');
  await first.exited;
  // The reaper fails the attempt as lost, and the shipped rule queues attempt 2 in the same transaction.
  await waitFor('attempt 2 queued', async () => (await detail(c as Cluster, id)).job.attempt === 2, 20_000);
  const second = c.startPilot(['-c', '1', '-b', '0.5']);
  await waitFor('finished', async () => (await stateOf(c as Cluster, id)) === 'finished', 20_000);
  const { job, events, attempts } = await detail(c, id);
  expect(job).toMatchObject({ state: 'finished', attempt: 2 });
  expect(attempts).toMatchObject([
    { attempt: 1, state: 'failed', errorName: 'lost' },
    { attempt: 2, state: 'finished' },
  ]);
  const retry = events.find((e: { transition: string }) => e.transition === 'retry');
  expect(retry).toMatchObject({ actor: 'rule:1', fromState: 'failed', toState: 'defined' });
  expect(retry.detail).toMatch(/^retry rule 1 "a lost job .*": retried as attempt 2 of 3$/);
  expect(runs(log)).toEqual([`${id} 1`, `${id} 2`]);
  expect(await second.exited).toBe(0);
}

describe('retry rules end to end', () => {
  it('retries a job lost with its pilot (kill -9), and attempt 2 finishes (SQLite)', () =>
    lostThenRetried('sqlite'));
  it.runIf(postgresAvailable())(
    'retries a job lost with its pilot (kill -9), and attempt 2 finishes (PostgreSQL)',
    () => lostThenRetried('postgres'),
  );

  it('gives attempt 2 twice the time limit under an increase_timelimit rule, and it finishes', async () => {
    c = await makeCluster();
    const added = await c.cli([
      'retry-rule',
      'add',
      'slow jobs',
      '--error',
      'timelimit',
      '--action',
      'increase_timelimit',
      '--factor',
      '2',
      '--cap',
      '60',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const log = join(c.dataDir, 'runs.log');
    const [id] = (await c.submit([
      { name: 'slow', payload: `sh -c "echo $$ >> ${log}; sleep 3"`, timelimit: 2 },
    ])) as [number];
    const pilot = c.startPilot(['-c', '2', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('finished', async () => (await stateOf(c as Cluster, id)) === 'finished', 30_000);
    const { job, attempts, events } = await detail(c, id);
    expect(job).toMatchObject({ state: 'finished', attempt: 2, timelimit: 4 });
    expect(attempts).toMatchObject([
      { attempt: 1, errorName: 'timelimit' },
      { attempt: 2, state: 'finished' },
    ]);
    expect(events.find((e: { transition: string }) => e.transition === 'retry').detail).toMatch(
      /^retry rule \d+ "slow jobs": retried as attempt 2 of 3, time limit 4 s$/,
    );
    expect(runs(log)).toHaveLength(2);
    expect(await pilot.exited).toBe(0);
  });

  it('gives attempt 2 more memory under an increase_memory rule after memory_exceeded, and it finishes', async () => {
    c = await makeCluster();
    const added = await c.cli([
      'retry-rule',
      'add',
      'hungry',
      '--error',
      'memory_exceeded',
      '--action',
      'increase_memory',
      '--factor',
      '2.5',
      '--cap',
      '2048',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const [id] = (await c.submit([
      { name: 'hog', payload: `${process.execPath} ${HOG} 400 1`, memory: 200 },
    ])) as [number];
    const pilot = c.startPilot(['-c', '2', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('finished', async () => (await stateOf(c as Cluster, id)) === 'finished', 40_000);
    const { job, attempts } = await detail(c, id);
    expect(job).toMatchObject({ state: 'finished', attempt: 2, memory: 500 });
    expect(attempts).toMatchObject([
      { attempt: 1, errorName: 'memory_exceeded' },
      { attempt: 2, state: 'finished' },
    ]);
    expect(await pilot.exited).toBe(0);
  });

  it("leaves a payload's own exit 2 failed after one attempt under the shipped rules", async () => {
    c = await makeCluster();
    const log = join(c.dataDir, 'runs.log');
    const [id] = (await c.submit([{ name: 'exit2', payload: `sh -c "echo ran >> ${log}; exit 2"` }])) as [
      number,
    ];
    const pilot = c.startPilot(['-c', '2', '-b', '0.5']);
    expect(await pilot.exited).toBe(0);
    const { job, events } = await detail(c, id);
    expect(job).toMatchObject({ state: 'failed', attempt: 1, exitCode: 2 });
    expect(events.at(-1).detail).toMatch(/retry rule 5 ".*": not retried$/);
    expect(runs(log)).toEqual(['ran']);
  });
});
