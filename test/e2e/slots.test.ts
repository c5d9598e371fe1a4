// Multi-slot pilots end to end (real server on SQLite, real `p3s pilot --slots N` processes): every
// job runs exactly once and at most N at a time, as the payloads' own record shows; each slot is a
// pilot of its own to the server with its share of the node; a limit or a kill in one slot leaves
// the others' jobs running; SIGTERM ends and reports every slot's payload; bad --slots is refused.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, makeCluster } from '../helpers/cluster.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { baseEnv, p3s, removeDir, tempDir, waitFor } from '../helpers/processes.ts';
import { deleteRetryRulesWithCli } from '../helpers/retry-rules.ts';

const SPAN = join(import.meta.dirname, '..', 'fixtures', 'payloads', 'record-span.sh');

let c: Cluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

// biome-ignore lint/suspicious/noExplicitAny: API answers in tests are arbitrary JSON
const show = async (cluster: Cluster, id: number): Promise<any> =>
  (await cluster.json(['job', 'show', String(id)])).job;
const inState = (cluster: Cluster, id: number, state: string) => async () =>
  (await show(cluster, id)).state === state;

/** How often each job started and ended, and the most that ran at once (the appends are in order). */
function readSpans(runLog: string): { starts: Map<number, number>; ends: Map<number, number>; most: number } {
  const starts = new Map<number, number>();
  const ends = new Map<number, number>();
  let running = 0;
  let most = 0;
  for (const line of readFileSync(runLog, 'utf8').trim().split('\n')) {
    const [event, id] = line.split(' ');
    const counts = event === 'start' ? starts : ends;
    counts.set(Number(id), (counts.get(Number(id)) ?? 0) + 1);
    running += event === 'start' ? 1 : -1;
    most = Math.max(most, running);
  }
  return { starts, ends, most };
}

/** A payload that records its start, waits until the test creates `go`, then records its end. */
const waitForGo = (runLog: string, go: string) => ({
  payload: `echo start $P3S_JOB_ID >> ${runLog}; while [ ! -e ${go} ]; do sleep 0.05; done; echo end $P3S_JOB_ID >> ${runLog}`,
  env: { P3S_EXECMODE: '1' },
});

/** 40 jobs through one 4-slot pilot: the payloads' own record proves exactly once and the overlap. */
async function exactlyOnce(store: 'sqlite' | 'postgres') {
  c = await makeCluster({ store });
  const runLog = join(c.dataDir, 'runs.log');
  writeFileSync(runLog, '');
  const ids = await c.submit(
    Array.from({ length: 40 }, (_, i) => ({
      name: `span-${i}`,
      payload: SPAN,
      env: { RUN_LOG: runLog, SPAN_SECONDS: '0.3' },
    })),
  );
  const pilot = c.startPilot(['--slots', '4', '-c', '0', '-p', '1', '-b', '1']);
  await waitFor(
    'all jobs finished',
    async () => (await c!.json(['summary'])).jobs.finished === 40,
    120_000,
    500,
  );
  pilot.signal('SIGTERM');
  expect(await pilot.exited).toBe(0);

  const { starts, ends, most } = readSpans(runLog);
  expect([...starts.keys()].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  expect([...starts.values()].every((n) => n === 1)).toBe(true);
  expect([...ends.keys()].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  expect([...ends.values()].every((n) => n === 1)).toBe(true);
  expect(most).toBeLessThanOrEqual(4);
  expect(most).toBeGreaterThan(1);

  // Four pilots to the server, one process: the same pid, uuids <uuid>-s1 … -s4.
  const { pilots } = await c.json(['pilots', 'list', '--all']);
  expect(pilots).toHaveLength(4);
  expect(new Set(pilots.map((p: { pid: number }) => p.pid)).size).toBe(1);
  const suffixes = pilots.map((p: { uuid: string }) => p.uuid.slice(-3)).sort();
  expect(suffixes).toEqual(['-s1', '-s2', '-s3', '-s4']);
  expect(new Set(pilots.map((p: { uuid: string }) => p.uuid.slice(0, -3))).size).toBe(1);
  expect(pilots.reduce((sum: number, p: { jobsRun: number }) => sum + p.jobsRun, 0)).toBe(40);
}

describe('a multi-slot pilot', () => {
  it(
    'runs 40 jobs exactly once, at most 4 and more than one at a time, with 4 slots (SQLite)',
    () => exactlyOnce('sqlite'),
    180_000,
  );
  it.runIf(postgresAvailable())(
    'runs 40 jobs exactly once, at most 4 and more than one at a time, with 4 slots (PostgreSQL)',
    () => exactlyOnce('postgres'),
    180_000,
  );

  it('claims together: 4 jobs submitted while its 4 slots idle reach them in one request', async () => {
    c = await makeCluster();
    const cluster = c;
    const token = readFileSync(join(cluster.dataDir, 'admin.token'), 'utf8').trim();
    /** Completed requests per pilot-protocol route, from the server's own /metrics. */
    const served = async (route: string) => {
      const text = await (
        await fetch(`${cluster.server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      ).text();
      const lines = text
        .split('\n')
        .filter((l) => l.startsWith('p3s_http_requests_total{') && l.includes(`route="${route}"`));
      return lines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    };
    const pilot = cluster.startPilot(['--slots', '4', '-c', '0', '-p', '60', '-b', '1']);
    await waitFor(
      '4 idle slots',
      async () => (await cluster.json(['pilots', 'list'])).pilots.length === 4,
      30_000,
    );
    const runLog = join(cluster.dataDir, 'runs.log');
    const go = join(cluster.dataDir, 'go');
    writeFileSync(runLog, '');
    const ids = await cluster.submit(
      Array.from({ length: 4 }, (_, i) => ({ name: `w${i}`, ...waitForGo(runLog, go) })),
    );
    await waitFor('4 jobs running', async () => readSpans(runLog).starts.size === 4, 30_000);
    // One held request for the 4 slots, answered with the 4 jobs. A slot whose periodic re-check
    // was under way as the jobs came may miss that answer and claim once more: at most 2 requests.
    const together = await served('/api/v1/pilots/claims');
    const alone = await served('/api/v1/pilots/:id/claim');
    expect(together).toBeGreaterThanOrEqual(1);
    expect(together + alone).toBeLessThanOrEqual(2);
    const holders = await Promise.all(ids.map(async (id) => (await show(cluster, id)).pilotId));
    expect(new Set(holders).size).toBe(4);
    writeFileSync(go, '');
    await waitFor(
      '4 jobs finished',
      async () => (await cluster.json(['summary'])).jobs.finished === 4,
      30_000,
    );
    pilot.signal('SIGTERM');
    expect(await pilot.exited).toBe(0);
  }, 90_000);

  it("offers each slot its share of the pilot's memory: a job asking more is not claimed", async () => {
    c = await makeCluster();
    // The big job comes first: a pilot offering all 1000 MiB would take it before the small one.
    const [big, small] = await c.submit([
      { name: 'big', payload: 'true', memory: 800, priority: 10 },
      { name: 'small', payload: 'true', memory: 400 },
    ]);
    const pilot = c.startPilot(['--slots', '2', '--memory', '1000', '-c', '0', '-p', '1']);
    await waitFor('the small job finished', inState(c, small as number, 'finished'), 30_000);
    const { pilots } = await c.json(['pilots', 'list']);
    expect(pilots.map((p: { memory: number }) => p.memory)).toEqual([500, 500]);
    expect(await show(c, big as number)).toMatchObject({ state: 'defined', pilotId: null });
    pilot.signal('SIGTERM');
    expect(await pilot.exited).toBe(0);
  }, 60_000);

  it("kills a job past its time limit in one slot while another slot's job runs to its end", async () => {
    c = await makeCluster();
    await deleteRetryRulesWithCli(c);
    const runLog = join(c.dataDir, 'runs.log');
    const go = join(c.dataDir, 'go');
    const [slow, other] = await c.submit([
      { name: 'slow', payload: 'sleep 300', timelimit: 2 },
      { name: 'other', ...waitForGo(runLog, go) },
    ]);
    const pilot = c.startPilot(['--slots', '2', '-c', '0', '-p', '1', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('the slow job failed', inState(c, slow as number, 'failed'), 30_000);
    expect(await show(c, slow as number)).toMatchObject({ errorName: 'timelimit' });
    const running = await show(c, other as number);
    expect(running.state).toBe('running');
    expect(running.pilotId).not.toBe((await show(c, slow as number)).pilotId);
    writeFileSync(go, '');
    await waitFor('the other job finished', inState(c, other as number, 'finished'), 30_000);
    expect(readFileSync(runLog, 'utf8')).toBe(`start ${other}\nend ${other}\n`);
    pilot.signal('SIGTERM');
    expect(await pilot.exited).toBe(0);
  }, 60_000);

  it("kills one slot's job with `p3s job kill` and leaves the other slot's job running to its end", async () => {
    c = await makeCluster();
    const runLog = join(c.dataDir, 'runs.log');
    const go = join(c.dataDir, 'go');
    const [victim, other] = await c.submit([
      { name: 'victim', payload: 'sleep 300' },
      { name: 'other', ...waitForGo(runLog, go) },
    ]);
    const pilot = c.startPilot(['--slots', '2', '-c', '0', '-p', '1', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('both jobs running', async () => {
      const states = [(await show(c!, victim as number)).state, (await show(c!, other as number)).state];
      return states.every((s) => s === 'running');
    });
    const killed = await c.cli(['job', 'kill', String(victim)]);
    expect(killed.code, killed.stderr).toBe(0);
    await waitFor('the victim cancelled', inState(c, victim as number, 'cancelled'), 15_000);
    expect(await show(c, victim as number)).toMatchObject({ errorName: 'killed' });
    expect((await show(c, other as number)).state).toBe('running');
    writeFileSync(go, '');
    await waitFor('the other job finished', inState(c, other as number, 'finished'), 30_000);
    expect(readFileSync(runLog, 'utf8')).toBe(`start ${other}\nend ${other}\n`);
    pilot.signal('SIGTERM');
    expect(await pilot.exited).toBe(0);
  }, 60_000);

  it("on SIGTERM kills and reports every slot's payload, and exits 0", async () => {
    c = await makeCluster();
    await deleteRetryRulesWithCli(c);
    const ids = await c.submit([
      { name: 'a', payload: 'sleep 300' },
      { name: 'b', payload: 'sleep 300' },
      { name: 'c', payload: 'sleep 300' },
    ]);
    const pilot = c.startPilot(['--slots', '3', '-c', '0', '-p', '1', '-b', '0.5', '--kill-grace', '1']);
    await waitFor('all three running', async () => {
      for (const id of ids) if ((await show(c!, id)).state !== 'running') return false;
      return true;
    });
    pilot.signal('SIGTERM');
    expect(await pilot.exited).toBe(0);
    for (const id of ids)
      expect(await show(c, id)).toMatchObject({ state: 'failed', errorName: 'pilot_shutdown' });
    const { pilots } = await c.json(['pilots', 'list', '--all']);
    expect(pilots.map((p: { state: string }) => p.state)).toEqual(['stopped', 'stopped', 'stopped']);
  }, 60_000);
});

describe('p3s pilot --slots', () => {
  it.each([['0'], ['abc'], ['-2'], ['1.5'], ['257']])(
    'refuses --slots %s naming the option',
    async (value) => {
      const home = tempDir();
      try {
        const env = baseEnv({ P3S_HOME: home, P3S_SERVER: 'http://127.0.0.1:9' });
        const res = await p3s(['pilot', '--slots', value], env);
        expect(res.code).not.toBe(0);
        expect(res.stderr).toContain('--slots');
        expect(existsSync(join(home, 'work'))).toBe(false);
      } finally {
        removeDir(home);
      }
    },
  );

  it('refuses a --uuid the slot suffix makes too long for the server, naming both', async () => {
    const home = tempDir();
    try {
      const env = baseEnv({ P3S_HOME: home, P3S_SERVER: 'http://127.0.0.1:9' });
      const res = await p3s(['pilot', '--slots', '10', '--uuid', 'u'.repeat(62)], env);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--slots 10');
      expect(res.stderr).toContain('--uuid');
    } finally {
      removeDir(home);
    }
  });
});
