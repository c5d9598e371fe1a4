// Event-driven waiting, end to end: `job submit --wait`, `job logs --follow` and `workflow watch`
// learn of changes from the server (long-polls woken by the store's change signals), not by asking
// again. Each command's own re-ask period is set far beyond the test's timeout for it, so it can
// only end in time if the server pushed the change: on SQLite, and on PostgreSQL with the CLI on
// one server and the pilot reporting to another.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { graphml } from '../helpers/graphml.ts';
import {
  type Proc,
  type ServerProc,
  startPilotProcess,
  startServerProcess,
  tempDir,
} from '../helpers/processes.ts';

const PAYLOADS = join(import.meta.dirname, '..', 'fixtures', 'payloads');
/** Far beyond every command's timeout below: reaching it would fail the test. */
const NEVER = '60';
/** What each command may take: the job's 1-2 s, start-up and slack, well short of NEVER and of the 30 s log hold. */
const IN_TIME = { timeoutMs: 20_000 };

const setups = [
  { name: 'SQLite', store: 'sqlite' as const },
  { name: 'PostgreSQL, pilot on a second server', store: 'postgres' as const },
];

describe.each(setups)('event-driven waits ($name)', ({ store }) => {
  let c: Cluster;
  let pilotServer: ServerProc | undefined;
  let pilot: Proc;

  beforeAll(async () => {
    c = await makeCluster({ store });
    let pilotEnv = c.env;
    if (store === 'postgres') {
      // A second server on the same database: the pilot's reports reach the CLI's server only
      // through PostgreSQL's NOTIFY.
      pilotServer = await startServerProcess({ dataDir: tempDir(), databaseUrl: c.databaseUrl });
      const token = (await c.json(['token', 'create', '--role', 'pilot', '--name', 'remote-pilots'])).secret;
      pilotEnv = { ...c.env, P3S_SERVER: pilotServer.url, P3S_TOKEN: token };
    }
    pilot = startPilotProcess(c.dataDir, pilotEnv, ['-c', '0', '-b', '0.5']);
  }, 60_000);
  afterAll(async () => {
    pilot?.signal('SIGTERM');
    await c?.close();
  });

  /** `GET /api/v1/jobs` requests the CLI's server has answered (its own /metrics). */
  const listReads = async () => {
    const token = readFileSync(join(c.dataDir, 'admin.token'), 'utf8').trim();
    const metrics = await fetch(`${c.server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    return (await metrics.text())
      .split('\n')
      .filter((l) => l.startsWith('p3s_http_requests_total{') && l.includes('method="GET"'))
      .filter((l) => l.includes('route="/api/v1/jobs"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  const submitFile = (name: string, jobs: unknown[]) => {
    const file = join(c.dataDir, `${name}.json`);
    writeFileSync(file, JSON.stringify(jobs));
    return file;
  };

  it('job submit --wait ends when the job does, with its own refresh set to a minute', async () => {
    const file = submitFile('wait', [
      { name: 'short', payload: join(PAYLOADS, 'slow-then-done.sh'), env: { SLOW_SECONDS: '1' } },
    ]);
    const listed = await listReads();
    const res = await c.cli(['job', 'submit', file, '--wait', '--progress-every', NEVER], IN_TIME);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('1/1 finished');
    expect(res.stdout).toMatch(/job \d+ finished in/);
    // The last progress answer carried the job: the wait ended without listing it again.
    expect(await listReads()).toBe(listed);
  });

  it('job logs --follow prints each line as it comes and ends with the job', async () => {
    const [id] = await c.submit([
      { name: 'ticker', payload: join(PAYLOADS, 'slow-then-done.sh'), env: { SLOW_SECONDS: '2' } },
    ]);
    const follow = await c.cli(['job', 'logs', String(id), '--follow'], IN_TIME);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout).toBe('tick 0\ntick 1\ndone\n');
  });

  it('workflow watch follows every step to the end, with its own refresh set to a minute', async () => {
    const dagFile = join(c.dataDir, 'two-steps.graphml');
    const step = { payload: 'sleep 0.5', env: { P3S_EXECMODE: 'SHELL' }, jobtype: 'step' };
    writeFileSync(
      dagFile,
      graphml(
        [
          { id: 'first', ...step },
          { id: 'second', ...step },
        ],
        [{ source: 'first', target: 'second', name: 'between.txt' }],
      ),
    );
    expect((await c.cli(['dag', 'add', dagFile])).code).toBe(0);
    const created = await c.json(['workflow', 'create', 'two-steps', '-s', 'defined']);
    const id = String(created.workflow.id);
    const watched = await c.cli(['workflow', 'watch', id, '--interval', NEVER], IN_TIME);
    expect(watched.code, watched.stderr + watched.stdout).toBe(0);
    expect(watched.stdout).toContain(`workflow ${id} finished`);
  });
});
