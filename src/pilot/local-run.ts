// `p3s run`: one job description run here, without a server, exactly as a pilot runs it (same
// runner: sandbox, env layers, COPY/shell modes, process group, time limit and kill, log files),
// with its output echoed to the terminal and the outcome turned into an exit status.

import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { echoLogs } from './log-echo.ts';
import { jobLogPaths, type RunEnd, type RunResult, runPayload } from './runner.ts';
import { sandboxPath } from './sandbox.ts';

/** Exit statuses of a local run that did not end with the payload's own exit code (shell conventions). */
export const LOCAL_EXIT = {
  /** Killed at its time limit (as timeout(1) reports it). */
  timelimit: 124,
  /** The payload could not be started (missing, not executable, COPY failed, no disk space). */
  nonstarter: 127,
  /** Interrupted (Ctrl-C / SIGTERM to `p3s run`): the payload's group was killed. */
  interrupted: 130,
  /** Killed by a signal: 128 + its number. */
  signalBase: 128,
} as const;

export interface LocalRunOptions {
  payload: string;
  /** The job's env (over the site's and this process's env). */
  env: Record<string, string>;
  siteEnv?: Record<string, string>;
  /** Seconds; 0 = none. */
  timelimit: number;
  workDir: string;
  joblogDir: string;
  /** Names the sandbox `<label>-1` and the logs `<label>.out/.err`. */
  label: string;
  killGrace: number;
  shell: boolean;
  /** Where to echo the payload's stdout and stderr while it runs; null = log files only. */
  echo: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } | null;
  /** Aborting kills the payload's process group (Ctrl-C). */
  signal?: AbortSignal;
}

export interface LocalRun {
  result: RunResult;
  /** The status `p3s run` exits with (see LOCAL_EXIT). */
  exitCode: number;
  jobUuid: string;
  sandbox: string;
  logs: { out: string; err: string };
}

export async function runJobLocally(options: LocalRunOptions): Promise<LocalRun> {
  const jobUuid = randomUUID();
  const logs = jobLogPaths(options.joblogDir, options.label);
  const running = runPayload({
    jobId: 0,
    jobUuid,
    attempt: 1,
    pilotUuid: 'local',
    payload: options.payload,
    env: options.env,
    siteEnv: options.siteEnv,
    label: options.label,
    timelimit: options.timelimit,
    workDir: options.workDir,
    joblogDir: options.joblogDir,
    killGrace: options.killGrace,
    shell: options.shell,
    signal: options.signal,
  });
  // runPayload opened (and truncated) the log files before its first await: safe to follow now.
  const echo = options.echo ? echoLogs(logs, options.echo) : null;
  let result: RunResult;
  try {
    result = await running;
  } finally {
    echo?.stop();
  }
  return {
    result,
    exitCode: localExitCode(result),
    jobUuid,
    sandbox: sandboxPath(options.workDir, options.label, 1),
    logs,
  };
}

/** The exit status for a run's end: the payload's own code, or a shell-style code for the rest. */
export function localExitCode(end: RunEnd): number {
  switch (end.kind) {
    case 'exited':
      return end.exitCode;
    case 'signaled': {
      const number = (constants.signals as Record<string, number | undefined>)[end.signal];
      return LOCAL_EXIT.signalBase + (number ?? 0);
    }
    case 'timelimit':
    // `p3s run` sets no resource limits; were it to, a breach is a kill by the watchdog, as a time limit is.
    case 'memory_exceeded':
    case 'disk_exceeded':
    case 'looping':
      return LOCAL_EXIT.timelimit;
    case 'nonstarter':
    case 'disk_full':
      return LOCAL_EXIT.nonstarter;
    case 'killed':
      return LOCAL_EXIT.interrupted;
  }
}
