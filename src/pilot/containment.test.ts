// No payload process outlives its attempt: descendants that left the payload's process group with
// setsid are killed at the time limit and drained when the payload ends — by their marks without
// a cgroup, by the job's cgroup where the pilot may create one (root here), which also catches a
// process that cleared its environment.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Containment } from './containment.ts';
import { ownCgroup, PilotCgroups } from './job-cgroup.ts';
import { environEntries, hasMarks } from './process-sweep.ts';
import { type RunSpec, runPayload } from './runner.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'p3s-contain-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function spec(payload: string, extra: Partial<RunSpec> = {}): RunSpec {
  return {
    jobId: 1,
    jobUuid: randomUUID(),
    attempt: 1,
    pilotUuid: randomUUID(),
    payload,
    env: { P3S_EXECMODE: '1' },
    timelimit: 30,
    workDir: join(root, 'work'),
    joblogDir: join(root, 'joblogs'),
    killGrace: 0.5,
    shell: false,
    pilotCwd: root,
    ...extra,
  };
}

/** Running (not gone, not a zombie nobody reaps). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

/** Whether this process may create cgroups (root, cgroup v2): otherwise the cgroup cases skip. */
function cgroupsAvailable(): boolean {
  const probe = PilotCgroups.open(`probe-${randomUUID()}`);
  probe?.removeAll();
  return probe !== null;
}

/**
 * Starts a daemon with setsid, out of the payload's process group, and waits until it is out: its
 * pid goes to `file` only once setsid ran.
 */
const daemon = (file: string, command = 'sleep 300') =>
  `setsid sh -c 'echo $$ > ${file}; exec ${command}' >/dev/null 2>&1 & while [ ! -s ${file} ]; do sleep 0.02; done`;

describe('environ marks', () => {
  it('match only when every mark is there, exactly', () => {
    const entries = environEntries(Buffer.from('A=1\0P3S_JOB_UUID=j\0P3S_PILOT_UUID=p\0P3S_ATTEMPT=2\0'));
    expect(hasMarks(entries, { P3S_JOB_UUID: 'j', P3S_PILOT_UUID: 'p', P3S_ATTEMPT: '2' })).toBe(true);
    expect(hasMarks(entries, { P3S_JOB_UUID: 'j', P3S_PILOT_UUID: 'p', P3S_ATTEMPT: '1' })).toBe(false);
    expect(hasMarks(entries, { P3S_PILOT_UUID: 'pp' })).toBe(false);
  });
});

describe.each([
  ['by their marks (no cgroup)', false],
  ['in a job cgroup', true],
])('payload processes %s', (_name, withCgroup) => {
  let containment: Containment | undefined;
  const pilotUuid = randomUUID();
  beforeAll(() => {
    if (withCgroup) containment = Containment.open(pilotUuid, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await containment?.close();
  });
  const cgroupsHere = () => !withCgroup || cgroupsAvailable();

  it('kills a time-limited payload whole, with the child it setsid-ed', async ({ skip }) => {
    if (!cgroupsHere()) skip();
    const pidFile = join(root, 'daemon.pid');
    const s = spec(`${daemon(pidFile)}; sleep 300`, { timelimit: 1, pilotUuid, containment });
    const result = await runPayload(s);
    expect(result.kind).toBe('timelimit');
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(child).toBeGreaterThan(0);
    expect(isRunning(child)).toBe(false);
  });

  it('ends a daemon the payload left when it exits', async ({ skip }) => {
    if (!cgroupsHere()) skip();
    const pidFile = join(root, 'daemon.pid');
    const result = await runPayload(spec(`${daemon(pidFile)}; exit 0`, { pilotUuid, containment }));
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(isRunning(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('kills a killed payload whole', async ({ skip }) => {
    if (!cgroupsHere()) skip();
    const pidFile = join(root, 'daemon.pid');
    const kill = new AbortController();
    const running = runPayload(
      spec(`${daemon(pidFile)}; sleep 300`, { pilotUuid, containment, signal: kill.signal }),
    );
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    kill.abort('killed');
    expect(await running).toMatchObject({ kind: 'killed', reason: 'killed' });
    expect(isRunning(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });
});

describe('payload processes in a job cgroup', () => {
  it('a new run of the same attempt ends what the last one left in its cgroup', async ({ skip }) => {
    if (!cgroupsAvailable()) skip();
    const cgroups = PilotCgroups.open(`reuse-${randomUUID()}`) as PilotCgroups;
    try {
      const left = cgroups.job('7-1')?.spawnInside(() => spawn('sleep', ['300'], { stdio: 'ignore' }));
      const pid = left?.pid as number;
      expect(isRunning(pid)).toBe(true);
      const fresh = cgroups.job('7-1');
      expect(fresh?.pids()).toEqual([]);
      for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
      expect(isRunning(pid)).toBe(false);
    } finally {
      cgroups.removeAll();
    }
  });

  it('catch a setsid child that cleared its environment, and leave no cgroup behind', async ({ skip }) => {
    if (!cgroupsAvailable()) skip();
    const pilotUuid = randomUUID();
    const containment = Containment.open(pilotUuid, pino({ level: 'silent' }));
    const dir = join(ownCgroup()?.dir as string, `p3s-${pilotUuid}`);
    try {
      expect(existsSync(dir)).toBe(true);
      const pidFile = join(root, 'daemon.pid');
      const result = await runPayload(
        spec(`${daemon(pidFile, 'env -i /bin/sleep 300')}; sleep 300`, {
          timelimit: 1,
          pilotUuid,
          containment,
        }),
      );
      expect(result.kind).toBe('timelimit');
      expect(isRunning(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    } finally {
      await containment.close();
    }
    expect(existsSync(dir)).toBe(false);
  });
});
