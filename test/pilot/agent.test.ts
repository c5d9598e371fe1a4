// The pilot agent (runPilot) against the real server: buildApp over a real SQLite file, listening
// on 127.0.0.1, with real payload subprocesses. Behaviour is driven through the HTTP API and the
// real lease reaper; outcomes are read back from the job and pilot records, the logs route and
// what the payloads themselves did. (src/pilot may not import the server, hence test/.)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { START_REPORT_DELAY_MS } from '../../src/pilot/job-session.ts';
import { runPilot } from '../../src/pilot/main.ts';
import type { PilotOptions } from '../../src/pilot/options.ts';
import { ApiCalls } from '../../src/protocol/api-calls.ts';
import { ROUTES, routePath } from '../../src/protocol/routes.ts';
import type { JobWire, LogSliceWire } from '../../src/protocol/schemas/jobs.ts';
import type { PilotWire } from '../../src/protocol/schemas/pilots.ts';
import type { AppConfig } from '../../src/server/app.ts';
import { testPilotOptions } from '../helpers/pilot-options.ts';
import { alive, waitFor } from '../helpers/processes.ts';
import { type RealServer, startRealServer } from '../helpers/real-server.ts';
import { withoutRetryRules } from '../helpers/retry-rules.ts';

/** Short claims (the pilot re-claims every second), logs kept whole, leases that outlive any test. */
const CONFIG: Partial<AppConfig> = {
  maxClaimWaitSeconds: 1,
  leaseSeconds: 30,
  logHeadBytes: 1 << 20,
  logTailBytes: 1 << 20,
};
const WAIT_MS = 20_000;

let root: string;
let server: RealServer;
/** Payload process groups to kill if a test fails with its payload still running. */
const payloadPids = new Set<number>();

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'p3s-agent-'));
  server = await startRealServer({ sqlitePath: join(root, 'p3s.db'), config: CONFIG });
  // These tests look at how the pilot ends an attempt; the retry rules' next attempt is tested apart.
  await withoutRetryRules(server.store);
});
afterEach(async () => {
  for (const pid of payloadPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  payloadPids.clear();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** Replaces the default server with one configured for this test (a fresh SQLite file). */
async function useServer(config: Partial<AppConfig>): Promise<void> {
  await server.close();
  server = await startRealServer({ sqlitePath: join(root, 'custom.db'), config: { ...CONFIG, ...config } });
}

function options(extra: Partial<PilotOptions> = {}): PilotOptions & { uuid: string } {
  return testPilotOptions(server, root, extra);
}

async function submit(payload: string, extra: Record<string, unknown> = {}): Promise<number> {
  const { jobs } = await server.client.submitJobs([{ name: 'agent-test', payload, timeout: '60', ...extra }]);
  return jobs[0]!.id;
}
const job = async (id: number): Promise<JobWire> => (await server.client.getJob(id)).job;
const pilot = async (uuid: string): Promise<PilotWire> => (await server.client.getPilot(uuid)).pilot;
const logs = (id: number, stream: 'out' | 'err' = 'out'): Promise<LogSliceWire> =>
  server.client.jobLogs(id, { stream, limit: 4 << 20 });

/** Waits until the pilot has started the job's payload; returns the job with its payload pid. */
async function running(id: number): Promise<JobWire & { pid: number }> {
  const started = await waitFor(`job ${id} running`, async () => {
    const j = await job(id);
    if (j.state !== 'running' && j.state !== 'dispatched' && j.state !== 'defined')
      throw new Error(`job ${id} is ${j.state}`);
    return j.state === 'running' && j.pid !== null && j;
  });
  const pid = started.pid as number;
  payloadPids.add(pid);
  return { ...started, pid };
}

/** Rejects when `promise` has not settled within `ms` (a generous bound, so a hang fails the test). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The pilot's exit code, within a bound far above any scenario here (a hang fails, not times out). */
const ended = (exit: Promise<number>) => within(exit, 30_000, 'the pilot to end');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('pilot agent against the real server', () => {
  it('registers, runs a job with heartbeats and logs, reports it and deregisters', async () => {
    const go = join(root, 'go');
    const id = await submit(
      'echo start; while [ ! -e "$GO" ]; do sleep 0.05; done; echo "$P3S_JOB_ID done"',
      {
        env: { P3S_EXECMODE: 'SHELL', GO: go },
      },
    );
    const opts = options({ batchId: 'batch-7' });
    const exit = runPilot(opts);

    const started = await running(id);
    const registered = await pilot(opts.uuid);
    expect(registered).toMatchObject({
      state: 'running',
      currentJobId: id,
      site: null,
      host: hostname(),
      pid: process.pid,
      batchId: 'batch-7',
    });
    expect(started.pilotId).toBe(registered.id);
    expect(alive(started.pid)).toBe(true);
    // While the payload runs, a heartbeat ships its first line…
    await waitFor('the first line shipped by a heartbeat', async () => (await logs(id)).data === 'start\n');
    expect((await logs(id)).complete).toBe(false);
    // …and later heartbeats keep extending the lease and record the payload's metrics.
    const lease = (await job(id)).leaseExpiresAt as number;
    const beaten = await waitFor('a later heartbeat', async () => {
      const j = await job(id);
      return (j.leaseExpiresAt ?? 0) > lease && j;
    });
    expect(beaten.cpuSeconds).toEqual(expect.any(Number));
    expect(beaten.maxRssKb).toBeGreaterThan(0);

    writeFileSync(go, '');
    expect(await ended(exit)).toBe(0);
    expect(alive(started.pid)).toBe(false);
    expect(await job(id)).toMatchObject({
      state: 'finished',
      exitCode: 0,
      errorName: null,
      pilotId: registered.id,
      leaseExpiresAt: null,
    });
    expect(await logs(id)).toMatchObject({ data: `start\n${id} done\n`, complete: true });
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 1, currentJobId: null });
  });

  it('ships a large output in bounded chunks, the rest before the finish report', async () => {
    // The server takes request bodies of at most 128 KiB: a 300 kB log only gets through in
    // chunks of at most 64 KiB (about 87 KiB in base64), several of them after the payload ended.
    await useServer({ bodyLimit: 128 * 1024 });
    const id = await submit('head -c 300000 /dev/zero | tr "\\0" x; echo; echo err >&2', {
      env: { P3S_EXECMODE: '1' },
    });
    expect(await ended(runPilot(options({ logChunkBytes: 64 * 1024 })))).toBe(0);
    expect(await job(id)).toMatchObject({ state: 'finished', exitCode: 0 });
    const out = await logs(id);
    expect(out).toMatchObject({ totalBytes: 300_001, omittedBefore: 0, complete: true });
    expect(out.data).toBe(`${'x'.repeat(300_000)}\n`);
    expect(await logs(id, 'err')).toMatchObject({ data: 'err\n', totalBytes: 4, complete: true });
  });

  it('kills the payload when a heartbeat answers kill', async () => {
    const id = await submit('/bin/sleep 300');
    const exit = runPilot(options());
    const { pid } = await running(id);
    expect(await server.client.killJob(id)).toMatchObject({ immediate: false });
    expect(await ended(exit)).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(await job(id)).toMatchObject({
      state: 'cancelled',
      errorName: 'killed',
      errorDiag: 'killed on request',
      killRequested: true,
    });
  });

  it('kills and does not report a job whose lease was lost', async () => {
    const id = await submit('/bin/sleep 300');
    const opts = options();
    const exit = runPilot(opts);
    const { pid } = await running(id);
    const paths: string[] = [];
    server.app.server.on('request', (request: IncomingMessage) => paths.push(request.url ?? ''));
    // The real reaper, ten minutes ahead: the lease has expired, the job is lost.
    expect(await server.reap(10 * 60_000)).toBe(1);

    // The next heartbeat gets 409 lease_lost: the pilot kills the payload and goes on.
    expect(await ended(exit)).toBe(0);
    expect(paths).toContain(routePath(ROUTES.jobHeartbeat, { id }));
    expect(paths).not.toContain(routePath(ROUTES.jobFinish, { id }));
    expect(alive(pid)).toBe(false);
    const detail = await server.client.getJob(id);
    expect(detail.job).toMatchObject({ state: 'failed', errorName: 'lost' });
    // Nothing after the reaper's verdict: the pilot did not report the attempt.
    expect(detail.events.at(-1)).toMatchObject({ transition: 'lose', actor: 'reaper' });
    expect(detail.attempts).toEqual([expect.objectContaining({ attempt: 1, errorName: 'lost' })]);
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 0 });
  });

  it('keeps the payload running through a server outage and delivers the report afterwards', async () => {
    const go = join(root, 'go');
    const id = await submit('echo before; while [ ! -e "$GO" ]; do sleep 0.05; done; echo survived', {
      env: { P3S_EXECMODE: '1', GO: go },
    });
    const opts = options({ maxOutage: 60 });
    const exit = runPilot(opts);
    const { pid } = await running(id);
    await waitFor('the first line shipped', async () => (await logs(id)).data === 'before\n');

    await server.stop();
    // The outage lasts several beats; the failing heartbeats must not touch the payload.
    await sleep(1500);
    expect(alive(pid)).toBe(true);
    // The payload ends while the server is still away: the final report has to wait for it.
    writeFileSync(go, '');
    await waitFor('the payload to end', () => !alive(pid));

    await server.start(); // same port, same SQLite file
    expect(await within(exit, 30_000, 'the pilot reporting after the outage')).toBe(0);
    expect(await job(id)).toMatchObject({ state: 'finished', exitCode: 0, errorName: null });
    expect(await logs(id)).toMatchObject({ data: 'before\nsurvived\n', complete: true });
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 1 });
  });

  it('gives up after maxOutage: kills the payload and exits 3', async () => {
    const id = await submit('/bin/sleep 300');
    const opts = options({ maxOutage: 1 });
    const exit = runPilot(opts);
    const { pid } = await running(id);
    await server.stop();
    expect(await within(exit, 30_000, 'the pilot giving up')).toBe(3);
    expect(alive(pid)).toBe(false);
    // Back on the same file: no report ever arrived, the job waits for its lease to run out.
    await server.start();
    expect(await job(id)).toMatchObject({ state: 'running', errorName: null });
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'running', currentJobId: id });
  });

  it('exits 3 when it cannot register within maxOutage', async () => {
    await server.stop();
    expect(await within(runPilot(options({ maxOutage: 1 })), 30_000, 'the pilot giving up')).toBe(3);
    await server.start();
    expect((await server.client.listPilots()).total).toBe(0);
  });

  it('on SIGTERM kills the payload, reports pilot_shutdown, deregisters and exits 0', async () => {
    const first = await submit('/bin/sleep 300');
    const second = await submit('/bin/true');
    const listeners = process.listenerCount('SIGTERM');
    const opts = options({ cycles: 0 });
    const exit = runPilot(opts);
    const { pid } = await running(first);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await ended(exit)).toBe(0);
    expect(alive(pid)).toBe(false);
    // Reported by the pilot itself (deregistering with the job held would say so instead).
    expect(await job(first)).toMatchObject({
      state: 'failed',
      errorName: 'pilot_shutdown',
      errorDiag: 'pilot received SIGTERM',
    });
    // No claim after the signal.
    expect(await job(second)).toMatchObject({ state: 'defined', pilotId: null });
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 1 });
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('on SIGTERM with the server gone, gives up its last reports soon and exits', async () => {
    const id = await submit('/bin/sleep 300');
    // Ten minutes of outage allowed: only the stop's own bound can end the pilot within the test.
    const exit = runPilot(options({ cycles: 0, maxOutage: 600 }));
    const { pid } = await running(id);
    await server.stop();
    process.emit('SIGTERM', 'SIGTERM');
    expect(await within(exit, 30_000, 'the stopped pilot to exit')).toBe(0);
    expect(alive(pid)).toBe(false);
  });

  it('reports pilot_shutdown when a batch system signals the payload a moment before the pilot', async () => {
    // scancel and condor_rm signal every process of the batch job; the payload may die first.
    const id = await submit('/bin/sleep 300');
    const exit = runPilot(options({ cycles: 0 }));
    const { pid } = await running(id);
    process.kill(-pid, 'SIGTERM');
    await sleep(100);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await ended(exit)).toBe(0);
    expect(await job(id)).toMatchObject({ state: 'failed', errorName: 'pilot_shutdown' });
  });

  it('reports a payload killed by a signal as such while its pilot goes on', async () => {
    const id = await submit('/bin/sleep 300');
    const exit = runPilot(options({ cycles: 1 }));
    const { pid } = await running(id);
    process.kill(-pid, 'SIGTERM');
    expect(await ended(exit)).toBe(0);
    expect(await job(id)).toMatchObject({ state: 'failed', errorName: 'signal' });
  });

  it('exits when idle for --idle-exit, however many cycles it may still claim', async () => {
    const opts = options({ cycles: 0, period: 1, idleExit: 2 });
    const started = Date.now();
    expect(await within(runPilot(opts), WAIT_MS, 'the idle pilot to leave')).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 0 });
  });

  it('on SIGINT while idle aborts the pending claim at once', async () => {
    // Claims may long-poll for 5 minutes: only an aborted claim lets the pilot end in time.
    await useServer({ maxClaimWaitSeconds: 300 });
    const opts = options({ cycles: 0, period: 300 });
    const exit = runPilot(opts);
    await waitFor('the claim long-polling', () => server.app.p3s.waiter.size > 0);
    process.emit('SIGINT', 'SIGINT');
    expect(await within(exit, WAIT_MS, 'the pilot stopping')).toBe(0);
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 0 });
  });

  it('stops when a claim answers stop', async () => {
    const opts = options({ cycles: 0, period: 300 });
    const exit = runPilot(opts);
    await waitFor('the claim long-polling', () => server.app.p3s.waiter.size > 0);
    await server.client.stopPilot(opts.uuid);
    expect(await within(exit, WAIT_MS, 'the pilot stopping')).toBe(0);
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', stopRequested: true, jobsRun: 0 });
  });

  it('keeps claiming within a cycle until its period has passed', async () => {
    // One cycle of 5 minutes, each claim capped at 1 s by the server: the pilot claims again and
    // again (each claim marks it seen), and a job submitted late still runs in this one cycle.
    const opts = options({ cycles: 1, period: 300 });
    const exit = runPilot(opts);
    const seen = new Set<number>();
    const idle = await waitFor('two claims in the cycle', async () => {
      const p = await pilot(opts.uuid);
      if (p.state !== 'idle') throw new Error(`the pilot is ${p.state}`);
      if (p.lastSeenAt > p.registeredAt) seen.add(p.lastSeenAt);
      return seen.size >= 2 && p;
    });
    const id = await submit('/bin/echo late');
    expect(await within(exit, WAIT_MS, 'the pilot running the late job')).toBe(0);
    expect(await job(id)).toMatchObject({ state: 'finished', pilotId: idle.id });
    expect(await logs(id)).toMatchObject({ data: 'late\n' });
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 1 });
  });

  it('ends each idle cycle when its period has passed', async () => {
    const opts = options({ cycles: 2, period: 1 });
    expect(await within(runPilot(opts), WAIT_MS, 'two idle cycles')).toBe(0);
    const p = await pilot(opts.uuid);
    expect(p).toMatchObject({ state: 'stopped', jobsRun: 0 });
    // The server held each cycle's claim to the end of its period, so two full periods passed
    // (a bound the mechanics guarantee however slow the machine is).
    expect(p.endedAt).toBeGreaterThanOrEqual(p.registeredAt + 1900);
  });

  it('kills a payload that outlives the pilot lifetime', async () => {
    const id = await submit('/bin/sleep 300');
    const opts = options({ lifetime: 2, cycles: 0 });
    // A claim never hands a job whose time limit outlives a pilot that says how long it has left;
    // one that does not (a pilot from before it did) takes it, and the lifetime's kill still ends it.
    const register = ApiCalls.prototype.registerPilot;
    const spy = vi.spyOn(ApiCalls.prototype, 'registerPilot').mockImplementation(function (
      this: ApiCalls,
      body,
    ) {
      const { lifetimeLeft: _left, ...older } = body;
      return register.call(this, older);
    });
    try {
      expect(await ended(runPilot(opts))).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const killed = await job(id);
    expect(killed).toMatchObject({ state: 'failed', errorName: 'pilot_lifetime' });
    expect(killed.pid).toEqual(expect.any(Number));
    expect(alive(killed.pid as number)).toBe(false);
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', lifetime: 2, jobsRun: 1 });
  });

  it('claims each next job with the final report of the one before, never past its cycles', async () => {
    const ids = [await submit('/bin/echo 1'), await submit('/bin/echo 2'), await submit('/bin/echo 3')];
    const paths: string[] = [];
    server.app.server.on('request', (req: IncomingMessage) => paths.push(req.url ?? ''));
    const opts = options({ cycles: 2 });
    expect(await ended(runPilot(opts))).toBe(0);
    expect((await Promise.all(ids.map(job))).map((j) => j.state)).toEqual([
      'finished',
      'finished',
      'defined',
    ]);
    expect(await logs(ids[1] as number)).toMatchObject({ data: '2\n' });
    // One claim long-poll for the first job; the second came with the first one's finish, and the
    // second's finish asked for nothing (two cycles used), so the third job was left for others.
    expect(paths.filter((p) => p.endsWith('/claim'))).toHaveLength(1);
    expect(paths.filter((p) => p.endsWith('/finish'))).toHaveLength(2);
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 2 });
  });

  it("gives each payload the pilot's environment under the job's own env", async () => {
    process.env.P3S_TEST_FROM_PILOT = 'pilot';
    process.env.P3S_TEST_SHARED = 'pilot';
    try {
      const first = await submit('echo "$P3S_TEST_FROM_PILOT $P3S_TEST_SHARED"', {
        env: { P3S_EXECMODE: '1', P3S_TEST_SHARED: 'job' },
      });
      const second = await submit('echo "$P3S_TEST_FROM_PILOT $P3S_TEST_SHARED"', {
        env: { P3S_EXECMODE: '1' },
      });
      expect(await ended(runPilot(options({ cycles: 2 })))).toBe(0);
      expect(await logs(first)).toMatchObject({ data: 'pilot job\n' });
      expect(await logs(second)).toMatchObject({ data: 'pilot pilot\n' });
    } finally {
      delete process.env.P3S_TEST_FROM_PILOT;
      delete process.env.P3S_TEST_SHARED;
    }
  });

  it('reports the start of a payload that ended within START_REPORT_DELAY_MS with its finish, and of a longer one on its own', async () => {
    const quick = await submit('/bin/true');
    const slow = await submit('/bin/sleep 0.5');
    const paths: string[] = [];
    server.app.server.on('request', (req: IncomingMessage) => paths.push(req.url ?? ''));
    expect(await ended(runPilot(options({ cycles: 2 })))).toBe(0);
    const transitions = async (id: number) =>
      (await server.client.getJob(id)).events.map((e) => e.transition);
    // The quick job: no start report; its finish carried the pid and the start time.
    expect(paths).not.toContain(routePath(ROUTES.jobStart, { id: quick }));
    expect(await transitions(quick)).toEqual(['submit', 'claim', 'finish']);
    const q = await job(quick);
    expect(q).toMatchObject({ state: 'finished', pid: expect.any(Number) });
    expect(q.startedAt).toBeGreaterThanOrEqual(q.dispatchedAt as number);
    expect(q.startedAt).toBeLessThanOrEqual(q.endedAt as number);
    // The slow one was reported running START_REPORT_DELAY_MS after it started, then finished.
    expect(paths).toContain(routePath(ROUTES.jobStart, { id: slow }));
    expect(await transitions(slow)).toEqual(['submit', 'claim', 'start', 'finish']);
    const s = await job(slow);
    expect((s.endedAt as number) - (s.startedAt as number)).toBeGreaterThanOrEqual(
      500 - START_REPORT_DELAY_MS,
    );
  });

  it('reports time limits and nonstarters and goes on to the next job', async () => {
    const slow = await submit('/bin/sleep 300', { timeout: '1' });
    const missing = await submit('/no/such/payload');
    const opts = options({ cycles: 2 });
    expect(await ended(runPilot(opts))).toBe(0);
    const timedOut = await job(slow);
    expect(timedOut).toMatchObject({
      state: 'failed',
      errorName: 'timelimit',
      errorDiag: 'payload exceeded its time limit of 1 s and was killed',
    });
    expect(timedOut.pid).toEqual(expect.any(Number));
    expect(alive(timedOut.pid as number)).toBe(false);
    const nonstarter = await job(missing);
    expect(nonstarter).toMatchObject({ state: 'failed', errorName: 'nonstarter' });
    expect(nonstarter.errorDiag).toMatch(/no such file/i);
    expect(await pilot(opts.uuid)).toMatchObject({ state: 'stopped', jobsRun: 2 });
  });
});
