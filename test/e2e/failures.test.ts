// Failures are detected and nothing is lost: time limits kill the whole process group,
// a pilot killed with -9 leaves its attempt `lost`, a server crash loses no job.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { alive, waitFor } from '../helpers/processes.ts';

const PAYLOADS = join(import.meta.dirname, '..', 'fixtures', 'payloads');

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function submitOne(cluster: Cluster, job: Record<string, unknown>): Promise<number> {
  const file = join(cluster.dataDir, `job-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify([job]));
  const out = await cluster.json(['job', 'submit', file]);
  return (out.jobs ?? out)[0].id;
}

const show = async (cluster: Cluster, id: number) => (await cluster.json(['job', 'show', String(id)])).job;

describe('failure handling end to end', () => {
  it('kills the whole process group at the time limit, grandchild included', async () => {
    c = await makeCluster();
    const pidFile = join(c.dataDir, 'grandchild.pid');
    const id = await submitOne(c, {
      name: 'overrun',
      payload: join(PAYLOADS, 'grandchild.sh'),
      timeout: '2',
      env: { GRANDCHILD_PID_FILE: pidFile },
    });
    const pilot = c.startPilot(['-c', '1', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('grandchild started', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8'));
      } catch {
        return undefined;
      }
    });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(grandchild)).toBe(true);
    await waitFor('job failed', async () => (await show(c as Cluster, id)).state === 'failed', 15_000);
    const job = await show(c, id);
    expect(job).toMatchObject({ errorName: 'timelimit', errorCode: 1200 });
    await waitFor('grandchild gone', () => !alive(grandchild), 5_000);
    expect(await pilot.exited).toBe(0);
  });

  it('fails a job as lost within the lease when its pilot is killed with -9', async () => {
    c = await makeCluster({ serverArgs: ['--lease', '2'] });
    const id = await submitOne(c, { name: 'orphan', payload: 'sleep 20' });
    const pilot = c.startPilot(['-c', '0', '-b', '0.5']);
    await waitFor('running', async () => (await show(c as Cluster, id)).state === 'running');
    const payloadPid = (await show(c, id)).pid as number;
    pilot.signal('SIGKILL');
    await pilot.exited;
    // The attempt ends lost; the shipped retry rule queues attempt 2 (retry-attempts.test.ts runs it).
    await waitFor('attempt lost', async () => (await show(c as Cluster, id)).attempt === 2, 15_000);
    const { job, attempts } = await c.json(['job', 'show', String(id)]);
    expect(job).toMatchObject({ state: 'defined', attempt: 2 });
    expect(attempts).toMatchObject([{ attempt: 1, state: 'failed', errorName: 'lost', errorCode: 1400 }]);
    const pilots = await c.json(['pilots', 'list', '--all']);
    expect(pilots.pilots.map((p: { state: string }) => p.state)).toContain('lost');
    try {
      process.kill(-payloadPid, 'SIGKILL');
    } catch {
      // already gone
    }
  });

  it('loses nothing when the server is killed and restarted while a job runs', async () => {
    c = await makeCluster();
    const id = await submitOne(c, {
      name: 'survivor',
      payload: join(PAYLOADS, 'slow-then-done.sh'),
      env: { SLOW_SECONDS: '4' },
    });
    const pilot = c.startPilot(['-c', '1', '-b', '0.5']);
    await waitFor('running', async () => (await show(c as Cluster, id)).state === 'running');
    await c.restartServer('SIGKILL');
    await waitFor(
      'finished after restart',
      async () => (await show(c as Cluster, id)).state === 'finished',
      30_000,
    );
    const logs = await c.cli(['job', 'logs', String(id)]);
    expect(logs.stdout).toContain('tick 0');
    expect(logs.stdout).toContain('done');
    expect(await pilot.exited).toBe(0);
  });
});
