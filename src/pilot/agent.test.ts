// The pilot against a small in-test HTTP server that speaks the pilot protocol (the real server
// is not importable from src/pilot), with real payload subprocesses.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPilot } from './main.ts';
import type { PilotOptions } from './options.ts';

interface Call {
  route: string;
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed request JSON of the test server
  body: any;
  at: number;
}

class FakeServer {
  readonly calls: Call[] = [];
  readonly jobs: Record<string, unknown>[] = [];
  /** Destroy every connection: the pilot sees a network error. */
  down = false;
  stopPilot = false;
  killJob = false;
  heartbeatError: { status: number; code: string } | null = null;
  config = { maxClaimWait: 1, leaseSeconds: 30, logHeadBytes: 1 << 20, logTailBytes: 1 << 20 };
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
  addJob(payload: string, extra: Record<string, unknown> = {}): number {
    const id = 100 + this.jobs.length;
    this.jobs.push({
      id,
      uuid: `job-${id}`,
      name: 'j',
      jobtype: 'default',
      payload,
      env: {},
      timelimit: 60,
      attempt: 1,
      leaseExpiresAt: 0,
      ...extra,
    });
    return id;
  }
  named(route: string): Call[] {
    return this.calls.filter((c) => c.route === route);
  }
  /** Every stdout byte the pilot shipped for a job, by offset. */
  stdout(id: number): string {
    const bytes: Buffer[] = [];
    for (const call of this.calls) {
      const chunk = call.id === String(id) ? call.body.logs?.out : undefined;
      if (chunk) bytes[chunk.offset] = Buffer.from(chunk.data, 'base64');
    }
    return Buffer.concat(bytes.filter(Boolean)).toString();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    let text = '';
    for await (const piece of req) text += piece;
    const body = text ? JSON.parse(text) : {};
    const match = /^\/api\/v1\/(pilots|jobs)(?:\/([^/]+)\/(\w+))?$/.exec(req.url ?? '');
    const route = match ? (match[3] ?? match[1]) : 'unknown';
    this.calls.push({ route: route as string, id: match?.[2] ?? '', body, at: Date.now() });
    const reply = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    const pilot = { id: 1, uuid: body.uuid ?? match?.[2] };
    switch (route) {
      case 'pilots':
        return reply(200, { pilot, config: this.config });
      case 'claim': {
        const until = Date.now() + body.wait * 1000;
        while (this.jobs.length === 0 && !this.stopPilot && Date.now() < until)
          await new Promise((r) => setTimeout(r, 20));
        if (this.stopPilot) return reply(200, { job: null, command: 'stop' });
        return reply(200, { job: this.jobs.shift() ?? null, command: null });
      }
      case 'start':
        return reply(200, { command: null, leaseExpiresAt: Date.now() + 30_000 });
      case 'heartbeat':
        if (this.heartbeatError) {
          return reply(this.heartbeatError.status, {
            error: { code: this.heartbeatError.code, message: 'no', details: [] },
          });
        }
        return reply(200, { command: this.killJob ? 'kill' : null, leaseExpiresAt: Date.now() + 30_000 });
      case 'finish':
        return reply(200, { state: 'finished' });
      case 'deregister':
        return reply(200, { pilot });
      default:
        return reply(404, { error: { code: 'route_not_found', message: req.url, details: [] } });
    }
  }
}

let root: string;
let server: FakeServer;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'p3s-agent-'));
  server = new FakeServer();
  await server.start();
});
afterEach(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

function options(extra: Partial<PilotOptions> = {}): PilotOptions {
  return {
    server: server.url,
    site: null,
    jobTypes: [],
    cycles: 1,
    period: 1,
    beat: 0.2,
    workDir: join(root, 'work'),
    joblogDir: join(root, 'joblogs'),
    lifetime: 0,
    timefloor: 0,
    batchId: null,
    maxOutage: 10,
    killGrace: 0.5,
    shell: false,
    logLevel: process.env.PILOT_LOG ?? 'silent',
    ...extra,
  };
}

const outcomeOf = (id: number) => server.named('finish').find((c) => c.id === String(id))?.body.outcome;
const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('pilot agent', () => {
  it('registers, runs a job with heartbeats and logs, reports it and deregisters', async () => {
    const id = server.addJob('echo start; sleep 0.7; echo "$P3S_JOB_ID done"', {
      env: { P3S_EXECMODE: 'SHELL' },
    });
    const code = await runPilot(options({ uuid: '0b8f3c1e-1111-4222-8333-944444444444' }));
    expect(code).toBe(0);
    expect(server.named('pilots')[0]?.body).toMatchObject({
      uuid: '0b8f3c1e-1111-4222-8333-944444444444',
      site: null,
    });
    expect(server.named('start')[0]?.body).toMatchObject({ attempt: 1, pid: expect.any(Number) });
    expect(server.named('heartbeat').length).toBeGreaterThanOrEqual(2);
    expect(server.named('heartbeat')[0]?.body.metrics).toMatchObject({ cpuSeconds: expect.any(Number) });
    expect(outcomeOf(id)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(server.stdout(id)).toBe(`start\n${id} done\n`);
    expect(server.calls.at(-1)?.route).toBe('deregister');
  });

  it('ships a large output in bounded chunks, the rest before the finish report', async () => {
    const id = server.addJob('head -c 300000 /dev/zero | tr "\\0" x; echo; echo err >&2', {
      env: { P3S_EXECMODE: '1' },
    });
    expect(await runPilot(options({ logChunkBytes: 64 * 1024 }))).toBe(0);
    expect(server.stdout(id)).toBe(`${'x'.repeat(300_000)}\n`);
    const sizes = server.calls.map((c) => Buffer.from(c.body.logs?.out?.data ?? '', 'base64').length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    const finish = server.named('finish')[0];
    expect(finish?.body.logs?.out?.offset).toBeGreaterThan(0);
    expect(server.calls.findLast((c) => c.body.logs?.err)?.body.logs.err).toEqual({
      offset: 0,
      data: btoa('err\n'),
    });
  });

  it('kills the payload when a heartbeat answers kill', async () => {
    const id = server.addJob('/bin/sleep 30');
    server.killJob = true;
    expect(await runPilot(options())).toBe(0);
    expect(outcomeOf(id)).toEqual({ kind: 'killed' });
  });

  it('kills and does not report a job whose lease was lost', async () => {
    const id = server.addJob('/bin/sleep 30');
    server.heartbeatError = { status: 409, code: 'lease_lost' };
    const t0 = Date.now();
    expect(await runPilot(options())).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(outcomeOf(id)).toBeUndefined();
    expect(server.named('deregister')).toHaveLength(1);
  });

  it('keeps the payload running through a server outage and delivers the report afterwards', async () => {
    const id = server.addJob('/bin/sh -c "sleep 1.5; echo survived"');
    setTimeout(() => {
      server.down = true;
      setTimeout(() => (server.down = false), 1500);
    }, 400);
    expect(await runPilot(options())).toBe(0);
    expect(outcomeOf(id)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(server.stdout(id)).toBe('survived\n');
  });

  it('gives up after maxOutage: kills the payload and exits 3', async () => {
    server.addJob('/bin/sleep 30');
    let pid = 0;
    setTimeout(() => {
      pid = server.named('start')[0]?.body.pid;
      server.down = true;
    }, 400);
    const t0 = Date.now();
    expect(await runPilot(options({ maxOutage: 1 }))).toBe(3);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(false);
  });

  it('exits 3 when it cannot register within maxOutage', async () => {
    server.down = true;
    expect(await runPilot(options({ maxOutage: 1 }))).toBe(3);
    expect(server.calls).toHaveLength(0);
  });

  it('on SIGTERM kills the payload, reports pilot_shutdown, deregisters and exits 0', async () => {
    const id = server.addJob('/bin/sleep 30');
    const listeners = process.listenerCount('SIGTERM');
    setTimeout(() => process.emit('SIGTERM', 'SIGTERM'), 500);
    expect(await runPilot(options({ cycles: 0 }))).toBe(0);
    expect(outcomeOf(id)).toEqual({ kind: 'pilot_shutdown', signal: 'SIGTERM' });
    expect(server.named('deregister')).toHaveLength(1);
    expect(server.named('claim')).toHaveLength(1);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('on SIGINT while idle aborts the pending claim at once', async () => {
    setTimeout(() => process.emit('SIGINT', 'SIGINT'), 300);
    const t0 = Date.now();
    expect(await runPilot(options({ cycles: 0, period: 30 }))).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(server.named('deregister')).toHaveLength(1);
  });

  it('stops when a claim answers stop', async () => {
    server.stopPilot = true;
    expect(await runPilot(options({ cycles: 0 }))).toBe(0);
    expect(server.named('claim')).toHaveLength(1);
    expect(server.named('deregister')).toHaveLength(1);
  });

  it('keeps claiming within a cycle until its period has passed', async () => {
    server.config.maxClaimWait = 0.2;
    const t0 = Date.now();
    expect(await runPilot(options({ cycles: 2, period: 0.6 }))).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1200);
    const waits = server.named('claim').map((c) => c.body.wait);
    expect(waits.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...waits)).toBeLessThanOrEqual(0.2);
  });

  it('kills a payload that outlives the pilot lifetime', async () => {
    const id = server.addJob('/bin/sleep 30');
    expect(await runPilot(options({ lifetime: 1, cycles: 0 }))).toBe(0);
    expect(outcomeOf(id)).toEqual({ kind: 'pilot_lifetime' });
  });

  it('reports time limits and nonstarters and goes on to the next job', async () => {
    const slow = server.addJob('/bin/sleep 30', { timelimit: 1 });
    const missing = server.addJob('/no/such/payload');
    expect(await runPilot(options({ cycles: 2 }))).toBe(0);
    expect(outcomeOf(slow)).toEqual({ kind: 'timelimit', timelimit: 1 });
    expect(outcomeOf(missing)).toMatchObject({
      kind: 'nonstarter',
      reason: expect.stringMatching(/no such file/),
    });
  });
});
