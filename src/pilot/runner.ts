// Runs one payload attempt: sandbox, env, spawn in its own process group (and cgroup, where the
// pilot has them) with stdout/stderr going straight to files, time limit and kill (SIGTERM to every
// process of the attempt, SIGKILL after a grace), and no leftovers, setsid descendants included
// (attempt-processes.ts). Every way it can end is a value of RunResult, never a rejection.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { monotonicNow } from '../core/clock.ts';
import type { JobMetrics } from '../core/types.ts';
import { AttemptProcesses } from './attempt-processes.ts';
import type { PayloadContainment } from './containment.ts';
import { isDiskFullError } from './disk-space.ts';
import { type LimitSettings, LimitWatch } from './limit-watch.ts';
import { GroupSampler } from './metrics.ts';
import { type Command, payloadEnv, planCommand, usesCopy, usesShell } from './payload-env.ts';
import { accountEnv, handOverSandbox, lockSandbox, type RunAs } from './payload-user.ts';
import { copyPayload, createSandbox } from './sandbox.ts';
import { setLongTimeout } from './timers.ts';

/** Why the pilot killed a payload on request (the `reason` of the AbortSignal it passes). */
export type KillReason = 'killed' | 'pilot_shutdown' | 'server_unreachable' | 'pilot_lifetime';

export interface RunSpec {
  jobId: number;
  jobUuid: string;
  attempt: number;
  pilotUuid: string;
  payload: string;
  /** The job's own env; overlays the pilot's and the site's. */
  env: Record<string, string>;
  /** The env of the pilot's site; overlays the pilot's. */
  siteEnv?: Record<string, string>;
  /** Names the sandbox (`<label>-<attempt>`) and log files (`<label>.out`); default: the job id. */
  label?: string;
  /** Seconds of wall time before the group is killed; 0 = no limit. */
  timelimit: number;
  workDir: string;
  joblogDir: string;
  /** Seconds between SIGTERM and SIGKILL. */
  killGrace: number;
  /** Run through /bin/sh -c even without P3S_EXECMODE (pilot --shell). */
  shell: boolean;
  /** Aborting kills the payload; the abort reason must be a KillReason. */
  signal?: AbortSignal;
  /** The server the job came from, exported as P3S_SERVER; none for `p3s run`. */
  server?: string;
  /** Run the payload as this account (pilot --payload-user): its sandbox is its own for the run. */
  runAs?: RunAs;
  /** Called once the process exists, with its pid (= its process group) and a metrics reader. */
  onStart?: (pid: number, metrics: () => JobMetrics) => void;
  /** The pilot's cgroups and guardian (containment.ts); without, the group and the marks only. */
  containment?: PayloadContainment;
  /** Defaults: process.env, process.cwd(), one sample a second. */
  pilotEnv?: NodeJS.ProcessEnv;
  pilotCwd?: string;
  sampleIntervalMs?: number;
  /** Memory, disk and looping limits checked on every sample (limit-watch.ts); none: not watched. */
  limits?: LimitSettings;
}

/** How the attempt ended, as seen by the runner. */
export type RunEnd =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'signaled'; signal: string }
  | { kind: 'timelimit'; timelimit: number }
  | { kind: 'killed'; reason: KillReason }
  | { kind: 'nonstarter'; reason: string }
  /** The payload could not start for want of space in `path` (the job log or work directory). */
  | { kind: 'disk_full'; path: string; detail: string }
  /** Killed by the pilot for breaking a limit; `detail` says what was measured and the limit. */
  | { kind: 'memory_exceeded' | 'disk_exceeded' | 'looping'; detail: string };

export type RunResult = RunEnd & {
  /** Null when no process was started. */
  pid: number | null;
  /** Spawn and exit on the pilot's monotonic clock (monotonicNow): their difference is the run time. */
  startedAt: number;
  endedAt: number;
  metrics: JobMetrics;
};

/** The local files holding a job's stdout and stderr (`label` is the job id, or a local run's name). */
export function jobLogPaths(joblogDir: string, label: number | string): { out: string; err: string } {
  return { out: join(joblogDir, `${label}.out`), err: join(joblogDir, `${label}.err`) };
}

const KILL_REASONS: readonly KillReason[] = [
  'killed',
  'pilot_shutdown',
  'server_unreachable',
  'pilot_lifetime',
];

/** The abort reason as a KillReason; anything else (e.g. a bare `abort()`) counts as a kill request. */
function killReason(reason: unknown): KillReason {
  return KILL_REASONS.includes(reason as KillReason) ? (reason as KillReason) : 'killed';
}

/** The first metrics sample is taken this long after spawn (or at the first interval, if sooner). */
const FIRST_LOOK_MS = 50;

const NO_METRICS: JobMetrics = { cpuSeconds: 0, rssKb: 0, maxRssKb: 0 };

export async function runPayload(spec: RunSpec): Promise<RunResult> {
  const preparedAt = monotonicNow();
  const early = (end: RunEnd): RunResult => ({
    ...end,
    pid: null,
    startedAt: preparedAt,
    endedAt: monotonicNow(),
    metrics: NO_METRICS,
  });
  let fds: [number, number];
  try {
    fds = openLogs(spec.joblogDir, spec.label ?? spec.jobId);
  } catch (error) {
    const detail = `cannot open the job log files: ${(error as Error).message}`;
    return early(
      isDiskFullError(error)
        ? { kind: 'disk_full', path: spec.joblogDir, detail }
        : { kind: 'nonstarter', reason: detail },
    );
  }
  try {
    const result = await prepareAndLaunch(spec, fds, early);
    // The reason goes to the job's stderr file too, where a user looks first (if the disk has room).
    if (result.kind === 'nonstarter') writeQuietly(fds[1], `p3s pilot: ${result.reason}\n`);
    return result;
  } finally {
    closeSync(fds[0]);
    closeSync(fds[1]);
  }
}

function writeQuietly(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // A full disk: the reason still reaches the server with the outcome.
  }
}

/** Opens (truncating) the job's .out and .err files: each attempt starts them afresh. */
function openLogs(joblogDir: string, label: number | string): [number, number] {
  const paths = jobLogPaths(joblogDir, label);
  let out: number;
  try {
    out = openSync(paths.out, 'w');
  } catch (error) {
    // The directory is made only when an open finds it missing, not on every job.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(joblogDir, { recursive: true });
    out = openSync(paths.out, 'w');
  }
  try {
    return [out, openSync(paths.err, 'w')];
  } catch (error) {
    closeSync(out);
    throw error;
  }
}

async function prepareAndLaunch(
  spec: RunSpec,
  fds: [number, number],
  early: (end: RunEnd) => RunResult,
): Promise<RunResult> {
  if (spec.signal?.aborted) return early({ kind: 'killed', reason: killReason(spec.signal.reason) });
  let sandbox: string | undefined;
  let env: Record<string, string>;
  let command: Command;
  try {
    sandbox = await createSandbox(spec.workDir, spec.label ?? spec.jobId, spec.attempt);
    const { jobId, jobUuid, pilotUuid, attempt, server } = spec;
    const account = spec.runAs && accountEnv(spec.runAs);
    const layers = { pilot: spec.pilotEnv ?? process.env, account, site: spec.siteEnv, job: spec.env };
    env = payloadEnv(layers, { jobId, jobUuid, pilotUuid, attempt, server, workDir: sandbox });
    const shell = usesShell(env, spec.shell);
    const cwd = spec.pilotCwd ?? process.cwd();
    // The account gets its sandbox before COPY mode, which then copies with the account's rights.
    if (spec.runAs) await handOverSandbox(sandbox, spec.runAs);
    command = usesCopy(env)
      ? await copyPayload(spec.payload, shell, sandbox, cwd, spec.runAs)
      : planCommand(spec.payload, shell, cwd);
  } catch (error) {
    const detail = `cannot prepare the payload: ${(error as Error).message}`;
    // A sandbox already handed to the account (COPY refused) goes back to the pilot's user.
    if (spec.runAs && sandbox !== undefined) await lockSandbox(sandbox).catch(() => undefined);
    return early(
      isDiskFullError(error)
        ? { kind: 'disk_full', path: spec.workDir, detail }
        : { kind: 'nonstarter', reason: detail },
    );
  }
  const result = await launch(spec, command, env, sandbox, fds);
  if (spec.runAs) await lockSandbox(sandbox).catch((error: Error) => writeSync(fds[1], lockFailed(error)));
  return result;
}

const lockFailed = (error: Error) =>
  `p3s pilot: cannot take the sandbox back from the payload user: ${error.message}\n`;

function launch(
  spec: RunSpec,
  command: Command,
  env: Record<string, string>,
  sandbox: string,
  [outFd, errFd]: [number, number],
): Promise<RunResult> {
  const graceMs = spec.killGrace * 1000;
  const cgroup = spec.containment?.jobCgroup(`${spec.label ?? spec.jobId}-${spec.attempt}`) ?? null;
  return new Promise((resolveRun) => {
    const spawnedAt = monotonicNow();
    let child: ChildProcess;
    try {
      const start = () =>
        spawn(command.file, command.args, {
          detached: true,
          cwd: sandbox,
          env,
          stdio: ['ignore', outFd, errFd],
          // Node clears the supplementary groups when it switches uid/gid: the payload has only its own.
          ...(spec.runAs && { uid: spec.runAs.uid, gid: spec.runAs.gid }),
        });
      child = cgroup ? cgroup.spawnInside(start) : start();
    } catch (error) {
      // Synchronous refusals: NUL bytes in argv or env, invalid options.
      cgroup?.remove();
      resolveRun(failedStart(command.file, error, spawnedAt));
      return;
    }
    let procs: AttemptProcesses | null = null;
    let sampler: GroupSampler | null = null;
    let ending: RunEnd | null = null;
    let termSentAt: number | null = null;
    let noted = false;
    const timers: NodeJS.Timeout[] = [];
    const cancels: (() => void)[] = [];

    const kill = (end: RunEnd) => {
      const attempt = procs;
      if (ending !== null || attempt === null) return;
      ending = end;
      termSentAt = monotonicNow();
      attempt.signal('SIGTERM');
      timers.push(setTimeout(() => attempt.signal('SIGKILL'), graceMs));
    };
    const onAbort = () => kill({ kind: 'killed', reason: killReason(spec.signal?.reason) });

    child.on('error', (error) => {
      if (procs === null) {
        cgroup?.remove();
        resolveRun(failedStart(command.file, error, spawnedAt));
      }
    });
    child.once('spawn', () => {
      const pid = child.pid as number;
      procs = new AttemptProcesses(pid, cgroup, spec);
      // The guardian sweeps the job cgroups whole: only a payload outside one needs its group noted.
      noted = !cgroup?.holdsPayload;
      if (noted) spec.containment?.started(pid);
      const group = new GroupSampler(pid);
      sampler = group;
      // At 'spawn' the exec may still be under way (RSS reads 0): the first look is a little later,
      // and the limit watch and its sampling start then, so a payload that ends sooner costs none of it.
      const intervalMs = spec.sampleIntervalMs ?? 1000;
      const firstLook = () => {
        group.sample();
        const logs = jobLogPaths(spec.joblogDir, spec.label ?? spec.jobId);
        const watch = spec.limits && new LimitWatch(spec.limits, sandbox, [logs.out, logs.err], spawnedAt);
        const sampleAndCheck = () => {
          const metrics = group.sample();
          const verdict = watch?.check(metrics, group.members);
          if (verdict) kill({ kind: verdict.breach, detail: verdict.detail });
        };
        timers.push(setInterval(sampleAndCheck, intervalMs));
      };
      timers.push(setTimeout(firstLook, Math.min(FIRST_LOOK_MS, intervalMs)));
      if (spec.timelimit > 0) {
        const timelimit = spec.timelimit;
        cancels.push(setLongTimeout(() => kill({ kind: 'timelimit', timelimit }), timelimit * 1000));
      }
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      spec.onStart?.(pid, () => group.current());
      if (spec.signal?.aborted) onAbort();
    });
    child.once('exit', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      for (const cancel of cancels) cancel();
      spec.signal?.removeEventListener('abort', onAbort);
      const attempt = procs as AttemptProcesses | null;
      if (attempt === null) return; // never started: 'error' answered
      const metrics = sampler?.current() ?? NO_METRICS;
      const end: RunEnd =
        ending ?? (signal !== null ? { kind: 'signaled', signal } : { kind: 'exited', exitCode: code ?? 0 });
      const endedAt = monotonicNow();
      void attempt.drain((termSentAt ?? endedAt) + graceMs).then(() => {
        attempt.release();
        if (noted) spec.containment?.drained(attempt.pgid);
        resolveRun({ ...end, pid: attempt.pgid, startedAt: spawnedAt, endedAt, metrics });
      });
    });
  });
}

function failedStart(file: string, error: unknown, at: number): RunResult {
  return {
    kind: 'nonstarter',
    reason: describeSpawnError(file, error),
    pid: null,
    startedAt: at,
    endedAt: monotonicNow(),
    metrics: NO_METRICS,
  };
}

/** A readable nonstarter reason for a failed spawn. */
export function describeSpawnError(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `cannot start ${file}: no such file or directory (or its #! interpreter is missing)`;
    case 'EACCES':
      return `cannot start ${file}: permission denied (is it executable?)`;
    case 'ENOEXEC':
      return `cannot start ${file}: not an executable format (a script without #! line?)`;
    default:
      return `cannot start ${file}: ${(error as Error).message}`;
  }
}
