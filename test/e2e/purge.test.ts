// Retention end to end, on SQLite and PostgreSQL: `p3s purge` removes old ended jobs and stopped
// pilots (exporting them first as JSON lines) and never running work; `p3s server --purge-after`
// does the same on its own schedule.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const stateOf = async (cluster: Cluster, id: number) => {
  const res = await cluster.cli(['job', 'show', String(id), '--json']);
  return res.code === 0 ? JSON.parse(res.stdout).job.state : 'gone';
};

const stores = postgresAvailable() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(stores)('p3s purge on %s', (store) => {
  it('removes old ended jobs and stopped pilots, exporting them first, and keeps running work', async () => {
    c = await makeCluster({ store });
    const cluster = c;
    const [slow] = await cluster.submit([{ name: 'still-running', payload: 'sleep 60' }]);
    const busy = cluster.startPilot(['-c', '1', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('the slow job runs', async () => (await stateOf(cluster, slow!)) === 'running');
    const ended = await cluster.submit([
      { name: 'ok', payload: '/bin/true' },
      { name: 'bad', payload: '/bin/false' },
    ]);
    const worker = cluster.startPilot(['-c', '2', '-p', '5', '-b', '0.5']);
    expect(await worker.exited).toBe(0);
    const [waiting] = await cluster.submit([{ name: 'waiting', payload: '/bin/true', state: 'template' }]);
    expect([await stateOf(cluster, ended[0]!), await stateOf(cluster, ended[1]!)]).toEqual([
      'finished',
      'failed',
    ]);

    const dry = await cluster.json(['purge', '--older-than', '0s', '--dry-run']);
    expect(dry).toMatchObject({ dryRun: true, ids: ended });
    expect(await stateOf(cluster, ended[0]!)).toBe('finished');

    const refused = await cluster.cli(['purge', '--older-than', '0s', '--state', 'running']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--state: jobs in state running are running work and are never purged');

    const exportFile = join(cluster.dataDir, 'purged.jsonl');
    const res = await cluster.cli(['purge', '--older-than', '0s', '--export', exportFile]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`purged 2 jobs older than 0s (finished, failed, cancelled)`);
    const lines = readFileSync(exportFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.job.id, l.job.state, l.events.at(-1).toState])).toEqual([
      [ended[0], 'finished', 'finished'],
      [ended[1], 'failed', 'failed'],
    ]);
    expect(await stateOf(cluster, ended[0]!)).toBe('gone');
    expect(await stateOf(cluster, slow!)).toBe('running');
    expect(await stateOf(cluster, waiting!)).toBe('template');
    const young = await cluster.json(['purge', '--older-than', '1h', '--state', 'template']);
    expect(young.ids).toEqual([]);

    // Pilots: the worker has stopped; the busy one is live and stays.
    const pilots = await cluster.json(['purge', '--what', 'pilots', '--older-than', '0s']);
    expect(pilots.ids).toHaveLength(1);
    const left = await cluster.json(['pilots', 'list', '--all']);
    expect(left.pilots.map((p: { state: string }) => p.state)).toEqual(['running']);

    busy.signal('SIGTERM');
    await busy.exited;
  });

  it('purges on a schedule with p3s server --purge-after', async () => {
    c = await makeCluster({ store, serverArgs: ['--purge-after', '1s', '--purge-every', '1s'] });
    const cluster = c;
    const [slow, quick] = await cluster.submit([
      { name: 'slow', payload: 'sleep 60' },
      { name: 'quick', payload: '/bin/true', priority: '-1' },
    ]);
    const busy = cluster.startPilot(['-c', '1', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('the slow job runs', async () => (await stateOf(cluster, slow!)) === 'running');
    const worker = cluster.startPilot(['-c', '1', '-p', '5', '-b', '0.5']);
    expect(await worker.exited).toBe(0);
    await waitFor('the quick job purged', async () => (await stateOf(cluster, quick!)) === 'gone', 30_000);
    await waitFor('the stopped pilot purged', async () => {
      const list = await cluster.json(['pilots', 'list', '--all']);
      return list.pilots.length === 1;
    });
    expect(await stateOf(cluster, slow!)).toBe('running');
    busy.signal('SIGTERM');
    await busy.exited;
  });
});
