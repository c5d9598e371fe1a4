// `p3s job why` end to end on a real server and pilot: a job no live pilot serves, one waiting
// behind a busy pilot and a job of higher priority, a workflow job whose parent has not finished
// (P3S twostep fixture), a cancelled job's error, and an unknown id.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { type Proc, waitFor } from '../helpers/processes.ts';

const P3S = join(import.meta.dirname, '..', 'fixtures', 'p3s');
const SITE = 'whysite';

describe('p3s job why end to end', () => {
  let c: Cluster;
  let pilot: Proc | undefined;
  beforeAll(async () => {
    c = await makeCluster();
  });
  afterAll(async () => {
    pilot?.signal('SIGTERM');
    await c?.close();
  });

  const why = (id: number) => c.cli(['job', 'why', String(id)]);
  const codes = async (id: number) =>
    (await c.json(['job', 'why', String(id)])).reasons.map((r: { code: string }) => r.code);

  it('explains a queue with no pilot, then behind a busy pilot and a job of higher priority', async () => {
    const [sleeper] = await c.submit([{ name: 'sleeper', payload: 'sleep 60', site: SITE }]);
    const alone = await why(sleeper as number);
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stdout).toContain(`job ${sleeper} is defined`);
    expect(alone.stdout).toContain(`no live pilot serves site ${SITE} and job type default`);
    expect(await codes(sleeper as number)).toEqual(['no_live_pilot']);

    pilot = c.startPilot(['-c', '0', '-b', '0.5', '-s', SITE]);
    await waitFor(
      'the sleeper running',
      async () => (await c.json(['job', 'show', String(sleeper)])).job.state === 'running',
    );
    const held = await why(sleeper as number);
    expect(held.stdout).toMatch(new RegExp(`running on pilot \\d+ on \\S+ \\(site ${SITE}\\) since`));

    const [waiting, urgent] = await c.submit([
      { name: 'waiting', payload: 'true', site: SITE },
      { name: 'urgent', payload: 'true', site: SITE, priority: 5 },
    ]);
    const behind = await why(waiting as number);
    expect(behind.stdout).toContain(
      `every pilot serving site ${SITE} and job type default is busy (1 pilot running a job)`,
    );
    expect(behind.stdout).toContain(
      '1 job of higher priority (or the same priority, submitted earlier) is ahead of it',
    );
    const json = await c.json(['job', 'why', String(waiting)]);
    expect(json.reasons).toEqual([
      expect.objectContaining({ code: 'pilots_busy', data: { busy: 1, live: 1 } }),
      expect.objectContaining({ code: 'queue_ahead', data: { count: 1, exact: true, priority: 0 } }),
    ]);
    expect(await codes(urgent as number)).toEqual(['pilots_busy']);
  }, 60_000);

  it('names an unfinished workflow parent with its state', async () => {
    expect((await c.cli(['datatype', 'add', join(P3S, 'data/txtDataType.json')])).code).toBe(0);
    expect((await c.cli(['dag', 'add', join(P3S, 'chain/twostep.graphml')])).code).toBe(0);
    const dir = join(c.dataDir, 'twostep');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(P3S, '3filters/input.txt'), join(dir, 'input.txt'));
    const fileinfo = JSON.stringify({
      'NOOP1:reduction': { name: 'input.txt', dirpath: dir },
      'reduction:reco': { dirpath: dir },
      'reco:NOOP2': { dirpath: dir },
    });
    const created = await c.json(['workflow', 'create', 'twostep', '-f', fileinfo, '-s', 'defined']);
    const byName = (name: string) => created.jobs.find((j: { name: string }) => j.name === name);
    // The one pilot is busy with the sleeper, so reduction stays defined and reco waits on it.
    const reco = await why(byName('reco').id);
    expect(reco.code, reco.stderr).toBe(0);
    expect(reco.stdout).toContain(`job ${byName('reco').id} is template`);
    expect(reco.stdout).toContain(
      `its workflow parent has not finished: reduction (job ${byName('reduction').id}, defined)`,
    );
  }, 60_000);

  it('says how a cancelled job ended, and refuses an unknown id', async () => {
    const sleeper = (await c.json(['job', 'list', '--name', 'sleeper'])).jobs[0].id as number;
    expect((await c.cli(['job', 'kill', String(sleeper)])).code).toBe(0);
    await waitFor(
      'the sleeper cancelled',
      async () => (await c.json(['job', 'show', String(sleeper)])).job.state === 'cancelled',
    );
    const ended = await why(sleeper);
    expect(ended.stdout).toContain(`job ${sleeper} is cancelled`);
    expect(ended.stdout).toMatch(/attempt 1 ended cancelled with killed \(\d+\)/);
    expect(ended.stdout).toMatch(/last change: cancel to cancelled by /);

    const unknown = await why(999_999);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/job 999999/);
    expect(unknown.stderr).toMatch(/not found/i);
  }, 60_000);
});
