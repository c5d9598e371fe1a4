// A pilot whose disk is full, as an operator meets it (a small tmpfs filled to the last byte): it
// takes no jobs and tells the server which directory is full (its hold) instead of failing every job
// in milliseconds; a payload that fails on the full disk ends `disk_full`, naming the directory; once
// space returns it takes jobs again; and a pilot never dies of its own log's disk being full.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPilot } from '../../src/pilot/main.ts';
import type { PilotOptions } from '../../src/pilot/options.ts';
import { testPilotOptions } from '../helpers/pilot-options.ts';
import { alive, BIN, baseEnv, waitFor } from '../helpers/processes.ts';
import { type RealServer, startRealServer } from '../helpers/real-server.ts';
import { mountTmpfs, type Tmpfs, tmpfsAvailable } from '../helpers/tmpfs.ts';

const MIN_FREE = 1024 * 1024;

describe.runIf(tmpfsAvailable())('a pilot on a full disk', () => {
  let root: string;
  let disk: Tmpfs;
  let server: RealServer;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'p3s-diskfull-'));
    disk = mountTmpfs(16 * 1024 * 1024);
    server = await startRealServer({
      sqlitePath: join(root, 'p3s.db'),
      config: { maxClaimWaitSeconds: 1, leaseSeconds: 30 },
    });
  });
  afterEach(async () => {
    await server.close();
    disk.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  const options = (extra: Partial<PilotOptions> = {}) =>
    testPilotOptions(server, root, {
      cycles: 0,
      joblogDir: join(disk.dir, 'joblogs'),
      maxOutage: 30,
      minFreeBytes: MIN_FREE,
      ...extra,
    });
  const submit = async (payload: string, env: Record<string, string> = {}) =>
    (await server.client.submitJobs([{ name: 'disk', payload, timeout: '60', env }])).jobs[0]!.id;
  const job = async (id: number) => (await server.client.getJob(id)).job;
  const pilot = async (uuid: string) => (await server.client.getPilot(uuid)).pilot;

  it('holds, naming the full directory, while its job log disk is full, and takes jobs again once freed', async () => {
    const opts = options();
    mkdirSync(opts.joblogDir, { recursive: true });
    disk.fill();
    const id = await submit('/bin/echo hello');
    const exit = runPilot(opts);
    const held = await waitFor('the hold to reach the server', async () => {
      const p = await pilot(opts.uuid);
      return p.hold !== null && p;
    });
    expect(held.hold).toBe(
      `the pilot's job log dir ${opts.joblogDir} is full: 0 B free, 1.0 MiB needed to take jobs`,
    );
    // It goes on telling the server (a sign of life each cycle), and takes no job meanwhile.
    await waitFor('another held cycle', async () => (await pilot(opts.uuid)).lastSeenAt > held.lastSeenAt);
    expect(await job(id)).toMatchObject({ state: 'defined', attempt: 1 });
    disk.free();
    await waitFor('the job to finish', async () => (await job(id)).state === 'finished');
    expect(await pilot(opts.uuid)).toMatchObject({
      hold: null,
      state: expect.stringMatching(/idle|running/),
    });
    await server.client.stopPilot(opts.uuid);
    expect(await exit).toBe(0);
  });

  it('ends a payload that failed on the full disk as disk_full, naming the directory, then holds', async () => {
    const opts = options();
    const go = join(root, 'go');
    // Waits for the disk to be full, then writes 4 MB of output: `head` fails writing it.
    const id = await submit(`while [ ! -e ${go} ]; do sleep 0.05; done; head -c 4000000 /dev/zero`, {
      P3S_EXECMODE: '1',
    });
    const exit = runPilot(opts);
    await waitFor('the payload running', async () => (await job(id)).state === 'running');
    disk.fill();
    writeFileSync(go, '');
    const failed = await waitFor('the job to fail', async () => {
      const j = await job(id);
      return j.state === 'failed' && j;
    });
    expect(failed).toMatchObject({ errorName: 'disk_full', errorCode: 1404 });
    expect(failed.errorDiag).toMatch(
      new RegExp(
        `^no space left on ${opts.joblogDir}: payload exited with status \\d+ while the pilot's job log dir`,
      ),
    );
    await waitFor('the hold', async () => (await pilot(opts.uuid)).hold !== null);
    await server.client.stopPilot(opts.uuid);
    expect(await exit).toBe(0);
  });

  it('survives its own log on a full disk and goes on running jobs', async () => {
    mkdirSync(join(disk.dir, 'logs'));
    const logFile = join(disk.dir, 'logs', 'pilot.log');
    const fd = openSync(logFile, 'a');
    disk.fill();
    const uuid = randomUUID();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'pilot',
        '--server',
        server.url,
        '--uuid',
        uuid,
        '-c',
        '0',
        '-p',
        '1',
        '-b',
        '0.2',
        '--work-dir',
        join(root, 'work'),
        '--joblog-dir',
        join(root, 'joblogs'),
        '--log-level',
        'debug',
      ],
      { env: baseEnv({ P3S_TOKEN: server.adminToken }), stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await submit(`/bin/echo ${i}`));
      for (const id of ids) await waitFor(`job ${id}`, async () => (await job(id)).state === 'finished');
      expect(alive(child.pid as number)).toBe(true);
      disk.free();
      await server.client.stopPilot(uuid);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
