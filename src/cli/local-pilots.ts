// Pilots started from this host by `p3s up` and `p3s pilots start`: how they are spawned,
// the records kept in <dataDir>/pilots/, and the check that a pid still is that pilot.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monotonicNow } from '../core/clock.ts';
import { withoutCredentials } from '../core/credentials.ts';
import { DEFAULTS } from '../core/defaults.ts';
import type { PilotOptions } from '../pilot/options.ts';
import { processExists } from './settings.ts';

export interface PilotRecord {
  uuid: string;
  pid: number;
  startedAt: number;
  server: string;
  logFile: string;
  /** The pilot's site (records written before sites existed have none). */
  site?: string | null;
}

/** This package's `bin/p3s.js` (the same relative path from src/cli and dist/cli). */
export function binPath(): string {
  return fileURLToPath(new URL('../../bin/p3s.js', import.meta.url));
}

/** The `p3s pilot …` arguments that reproduce `o` in a child process (its token and CA file: pilotEnv). */
export function pilotArgv(o: PilotOptions & { uuid: string }): string[] {
  const argv = ['pilot', '--server', o.server, '--uuid', o.uuid];
  const pairs: [string, string | number][] = [
    ['-c', o.cycles],
    ['-p', o.period],
    ['-b', o.beat],
    ['--work-dir', o.workDir],
    ['--joblog-dir', o.joblogDir],
    ['--lifetime', o.lifetime],
    ['--timefloor', o.timefloor],
    ['--idle-exit', o.idleExit ?? 0],
    ['--max-outage', o.maxOutage],
    ['--kill-grace', o.killGrace],
    ['--min-free', o.minFreeBytes],
    ['--log-level', o.logLevel],
  ];
  for (const [flag, value] of pairs) argv.push(flag, String(value));
  if (o.site !== null) argv.push('-s', o.site);
  if (o.jobTypes.length > 0) argv.push('-t', o.jobTypes.join(','));
  if (o.batchId !== null) argv.push('-e', o.batchId);
  if (o.memoryMiB !== undefined) argv.push('--memory', String(o.memoryMiB));
  if (o.cores !== undefined) argv.push('--cores', String(o.cores));
  if (o.diskMiB !== undefined) argv.push('--disk', String(o.diskMiB));
  if (o.memoryGrace !== undefined) argv.push('--memory-grace', String(o.memoryGrace));
  if (o.loopingAfter) argv.push('--looping-after', String(o.loopingAfter));
  if (o.shell) argv.push('-x');
  if (o.payloadUser !== undefined) argv.push('--payload-user', o.payloadUser);
  // The values above are always passed: tell the pilot which were chosen, so its site sets the rest.
  if (o.explicit !== undefined) argv.push('--explicit', o.explicit.join(','));
  return argv;
}

export function pilotLogFile(dataDir: string, uuid: string): string {
  return join(dataDir, DEFAULTS.pilotLogDir, `${uuid}.log`);
}

/**
 * The environment of a spawned pilot: `base` without its credentials (core's rule: the caller's
 * token, the server's database password or URL), then the pilot's own token (as the file it came
 * from, when it came from one) and CA file, which never go on argv (any user can read a process's
 * argv with ps; its environment only its owner and root). P3S_HOME stays: it is the pilot's data
 * dir, and the pilot withholds it from payloads.
 */
export function pilotEnv(
  base: NodeJS.ProcessEnv,
  credentials: { token?: string | undefined; tokenFile?: string | undefined; caFile?: string | undefined },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = withoutCredentials(base);
  if (base.P3S_HOME !== undefined) env.P3S_HOME = base.P3S_HOME;
  if (credentials.tokenFile !== undefined) env.P3S_TOKEN_FILE = credentials.tokenFile;
  else if (credentials.token !== undefined) env.P3S_TOKEN = credentials.token;
  if (credentials.caFile !== undefined) env.P3S_CA_FILE = credentials.caFile;
  return env;
}

/** Starts `p3s <argv>` with stdout and stderr appended to `logFile` (and `env`, default ours). */
export function spawnP3s(
  argv: string[],
  logFile: string,
  detached: boolean,
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  mkdirSync(join(logFile, '..'), { recursive: true, mode: DEFAULTS.dataDirMode });
  const fd = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [binPath(), ...argv], { detached, env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
}

const recordsDir = (dataDir: string) => join(dataDir, DEFAULTS.pilotsDir);

export function writeRecord(dataDir: string, record: PilotRecord): void {
  mkdirSync(recordsDir(dataDir), { recursive: true, mode: DEFAULTS.dataDirMode });
  writeFileSync(join(recordsDir(dataDir), `${record.uuid}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

export function removeRecord(dataDir: string, uuid: string): void {
  rmSync(join(recordsDir(dataDir), `${uuid}.json`), { force: true });
}

/** Every readable record, oldest first; unreadable files are skipped. */
export function readRecords(dataDir: string): PilotRecord[] {
  let names: string[];
  try {
    names = readdirSync(recordsDir(dataDir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const records: PilotRecord[] = [];
  for (const name of names) {
    try {
      const r = JSON.parse(readFileSync(join(recordsDir(dataDir), name), 'utf8')) as PilotRecord;
      if (typeof r.uuid === 'string' && Number.isInteger(r.pid)) records.push(r);
    } catch {
      // A half-written or foreign file is not a pilot of ours.
    }
  }
  return records.sort((a, b) => a.startedAt - b.startedAt);
}

/** The command line of `pid`, or undefined when no such process exists. */
export function processCommandLine(pid: number): string | undefined {
  if (existsSync('/proc/self/cmdline')) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return undefined;
    }
  }
  // No /proc (macOS, BSD): ask ps.
  try {
    return (
      execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * `alive` only when `pid` runs and its command line holds the pilot's uuid: a reused pid
 * belongs to someone else and must never be signalled (P3S's pkill.sh killed anything named pilot).
 */
export function pilotProcessState(pid: number, uuid: string): 'alive' | 'gone' | 'other' {
  if (!processExists(pid)) return 'gone';
  const cmdline = processCommandLine(pid);
  if (cmdline === undefined) return 'gone';
  return cmdline.includes(uuid) ? 'alive' : 'other';
}

/** Polls until `pid` is gone; false when it is still there after `timeoutMs`. */
export async function waitForPidExit(pid: number, uuid: string, timeoutMs: number): Promise<boolean> {
  const deadline = monotonicNow() + timeoutMs;
  for (;;) {
    if (pilotProcessState(pid, uuid) !== 'alive') return true;
    if (monotonicNow() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
