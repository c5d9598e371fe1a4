import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobLogPaths, type RunSpec, runPayload } from './runner.ts';

let root: string;
let nextJob = 1;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'p3s-runner-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function spec(payload: string, extra: Partial<RunSpec> = {}): RunSpec {
  return {
    jobId: nextJob++,
    // Unique marks: the runner ends every process carrying them, and other runs share this host.
    jobUuid: randomUUID(),
    attempt: 1,
    pilotUuid: randomUUID(),
    payload,
    env: {},
    timelimit: 30,
    workDir: join(root, 'work'),
    joblogDir: join(root, 'joblogs'),
    killGrace: 0.5,
    shell: false,
    pilotCwd: root,
    ...extra,
  };
}

function script(name: string, body: string, mode = 0o755): string {
  const path = join(root, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

function logs(s: RunSpec): { out: string; err: string } {
  const paths = jobLogPaths(s.joblogDir, s.jobId);
  return { out: readFileSync(paths.out, 'utf8'), err: readFileSync(paths.err, 'utf8') };
}

/** Gone, or a zombie: where PID 1 does not reap orphans (this CI's micro-VM), a killed orphan stays a zombie. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

describe('runPayload', () => {
  it('runs a command without a shell and reports exit 0 with its output', async () => {
    const s = spec('/bin/echo hello "big world"');
    const result = await runPayload(s);
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(result.pid).toBeGreaterThan(0);
    expect(result.endedAt).toBeGreaterThanOrEqual(result.startedAt);
    expect(logs(s).out).toBe('hello big world\n');
  });

  it('reports a non-zero exit code and stderr', async () => {
    const s = spec(`${script('fail.sh', 'echo oops >&2; exit 3')}`);
    const result = await runPayload(s);
    expect(result).toMatchObject({ kind: 'exited', exitCode: 3 });
    expect(logs(s).err).toBe('oops\n');
  });

  it('reports a payload ended by a signal it did not get from us', async () => {
    let pid = 0;
    const result = await runPayload(
      spec('/bin/sleep 30', {
        onStart: (p) => {
          pid = p;
          process.kill(p, 'SIGTERM');
        },
      }),
    );
    expect(result).toMatchObject({ kind: 'signaled', signal: 'SIGTERM', pid });
  });

  it('gives the pid to onStart and runs in a fresh sandbox', async () => {
    const s = spec('/bin/pwd');
    let started: number | null = null;
    const result = await runPayload({ ...s, onStart: (pid) => (started = pid) });
    expect(started).toBe(result.pid);
    expect(logs(s).out.trim()).toBe(join(root, 'work', `${s.jobId}-1`));
  });

  it('reports a missing executable as a nonstarter', async () => {
    const s = spec('/no/such/program --flag');
    const result = await runPayload(s);
    expect(result.kind).toBe('nonstarter');
    expect(result.pid).toBeNull();
    if (result.kind === 'nonstarter') expect(result.reason).toMatch(/no such file/);
    expect(logs(s).err).toMatch(/no such file/);
  });

  it('reports a file that is not executable as a nonstarter', async () => {
    const result = await runPayload(spec(script('plain.sh', 'exit 0', 0o644)));
    expect(result.kind).toBe('nonstarter');
    if (result.kind === 'nonstarter') expect(result.reason).toMatch(/permission denied/);
  });

  it('reports a payload that cannot be split as a nonstarter', async () => {
    const result = await runPayload(spec('/bin/echo "unterminated'));
    expect(result.kind).toBe('nonstarter');
    if (result.kind === 'nonstarter') expect(result.reason).toMatch(/no closing quotation/);
  });

  it('runs through /bin/sh with P3S_EXECMODE: variables and redirection', async () => {
    const s = spec('echo "in $GREETING" > out.txt; cat out.txt; echo done', {
      env: { P3S_EXECMODE: 'SHELL', GREETING: 'shell mode' },
    });
    const result = await runPayload(s);
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(logs(s).out).toBe('in shell mode\ndone\n');
    expect(readFileSync(join(root, 'work', `${s.jobId}-1`, 'out.txt'), 'utf8')).toBe('in shell mode\n');
  });

  it('uses the shell for that job only', async () => {
    const shellJob = spec('echo $HOME', { env: { P3S_EXECMODE: 'x' } });
    await runPayload(shellJob);
    const plainJob = spec('/bin/echo $HOME');
    await runPayload(plainJob);
    expect(logs(plainJob).out).toBe('$HOME\n');
  });

  it('copies the executable into the sandbox in COPY mode and keeps the arguments', async () => {
    const path = script('copied.sh', 'echo "$0" "$@"', 0o750);
    const s = spec('copied.sh "one arg" two', { env: { P3S_MODE: 'COPY' } });
    const result = await runPayload(s);
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
    const copy = join(root, 'work', `${s.jobId}-1`, 'copied.sh');
    expect(logs(s).out).toBe(`${copy} one arg two\n`);
    expect(statSync(copy).mode & 0o777).toBe(statSync(path).mode & 0o777);
  });

  it('copies in COPY + shell mode and keeps the rest of the line for sh', async () => {
    script('copied.sh', 'echo "$0:$1"');
    const s = spec('./copied.sh "$P3S_ATTEMPT" | tr a-z A-Z', {
      env: { P3S_MODE: 'COPY', P3S_EXECMODE: '1' },
    });
    await runPayload(s);
    expect(logs(s).out).toBe(`${join(root, 'work', `${s.jobId}-1`, 'copied.sh').toUpperCase()}:1\n`);
  });

  it('reports a failed COPY as a nonstarter', async () => {
    const result = await runPayload(spec('missing.sh arg', { env: { P3S_MODE: 'COPY' } }));
    expect(result.kind).toBe('nonstarter');
    if (result.kind === 'nonstarter') expect(result.reason).toMatch(/P3S_MODE=COPY: cannot copy/);
  });

  it('merges the env: job wins over the pilot, P3S_* variables are set', async () => {
    const s = spec('/usr/bin/env', {
      env: { SHARED: 'job', ONLY_JOB: 'j', P3S_JOB_ID: 'forged' },
      pilotEnv: { SHARED: 'pilot', ONLY_PILOT: 'p', PATH: '/usr/bin:/bin' },
      attempt: 2,
    });
    await runPayload(s);
    const env = Object.fromEntries(
      logs(s)
        .out.trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      SHARED: 'job',
      ONLY_JOB: 'j',
      ONLY_PILOT: 'p',
      P3S_JOB_ID: String(s.jobId),
      P3S_JOB_UUID: s.jobUuid,
      P3S_PILOT_UUID: s.pilotUuid,
      P3S_ATTEMPT: '2',
      P3S_WORK_DIR: join(root, 'work', `${s.jobId}-2`),
    });
  });

  it('kills the whole process group at the time limit, grandchildren included', async () => {
    const pidFile = join(root, 'grandchild.pid');
    const s = spec(`sleep 1000 & echo $! > ${pidFile}; wait`, { shell: true, timelimit: 1 });
    const t0 = Date.now();
    const result = await runPayload(s);
    const elapsed = Date.now() - t0;
    expect(result).toMatchObject({ kind: 'timelimit', timelimit: 1 });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2500);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    expect(isRunning(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL when the payload ignores SIGTERM', async () => {
    const ready = join(root, 'trapped');
    const s = spec(script('trap.sh', `trap 'echo term' TERM; touch ${ready}; while :; do sleep 0.1; done`), {
      timelimit: 1,
      killGrace: 0.5,
    });
    const t0 = Date.now();
    const result = await runPayload(s);
    expect(result).toMatchObject({ kind: 'timelimit' });
    expect(existsSync(ready)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(logs(s).out).toContain('term');
    expect(isRunning(result.pid as number)).toBe(false);
  });

  it('kills on abort and reports the reason', async () => {
    const controller = new AbortController();
    const result = await runPayload(
      spec('/bin/sleep 30', {
        signal: controller.signal,
        onStart: () => setTimeout(() => controller.abort('killed'), 100),
      }),
    );
    expect(result).toMatchObject({ kind: 'killed', reason: 'killed' });
  });

  it('passes other kill reasons through, and does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort('pilot_shutdown');
    const result = await runPayload(spec('/bin/sleep 30', { signal: controller.signal }));
    expect(result).toMatchObject({ kind: 'killed', reason: 'pilot_shutdown', pid: null });
  });

  it('ends leftovers when the main process exits', async () => {
    const pidFile = join(root, 'left.pid');
    const s = spec(`sleep 1000 & echo $! > ${pidFile}`, { shell: true, killGrace: 0.5 });
    const result = await runPayload(s);
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(isRunning(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('writes large output straight to the file without growing the pilot memory', async () => {
    const s = spec('head -c 67108864 /dev/zero', { shell: true });
    const before = process.memoryUsage().rss;
    const result = await runPayload(s);
    expect(result).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(statSync(jobLogPaths(s.joblogDir, s.jobId).out).size).toBe(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('empties the sandbox an earlier run of the same attempt left', async () => {
    const first = spec('/bin/sh -c "touch left-behind"');
    await runPayload(first);
    await runPayload({ ...first, payload: '/bin/ls -A' });
    expect(logs(first).out).toBe('');
  });

  it('truncates the log files of an earlier run of the job', async () => {
    const first = spec('/bin/echo first run with more text');
    await runPayload(first);
    await runPayload({ ...first, payload: '/bin/echo second' });
    expect(logs(first).out).toBe('second\n');
  });
});
