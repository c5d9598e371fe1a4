// Finding a payload's processes by the marks the pilot gave it: every payload starts with
// P3S_PILOT_UUID, P3S_JOB_UUID and P3S_ATTEMPT in its environment, and its descendants inherit
// them, also those that left its process group with setsid. /proc/<pid>/environ shows a process's
// environment as it was at exec (readable by its owner and root), so a sweep of /proc finds them
// (as Jenkins' ProcessTreeKiller does). A process exec'd with a cleared environment escapes this
// sweep; a job cgroup (job-cgroup.ts) does not let it.

import { readdirSync, readFileSync } from 'node:fs';

/** `NAME=value` entries of a /proc/<pid>/environ buffer (NUL-separated). */
export function environEntries(buffer: Buffer): Set<string> {
  return new Set(
    buffer
      .toString('utf8')
      .split('\0')
      .filter((entry) => entry !== ''),
  );
}

/** Whether an environ holds every one of the marks exactly. */
export function hasMarks(entries: Set<string>, marks: Record<string, string>): boolean {
  return Object.entries(marks).every(([name, value]) => entries.has(`${name}=${value}`));
}

/** The marks of one payload attempt, as the runner exports them (payload-env.ts). */
export function attemptMarks(id: {
  pilotUuid: string;
  jobUuid: string;
  attempt: number;
}): Record<string, string> {
  return { P3S_PILOT_UUID: id.pilotUuid, P3S_JOB_UUID: id.jobUuid, P3S_ATTEMPT: String(id.attempt) };
}

/**
 * Every process (not `exclude`) whose environment carries all `marks`; empty without /proc. With
 * `bornAfter` (the payload's pid) only processes forked after it are read, when the pid counter
 * has not wrapped since: its descendants all were, and a scan of a busy host gets much shorter.
 */
export function markedProcesses(
  marks: Record<string, string>,
  exclude: readonly number[] = [],
  bornAfter?: number,
): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const skip = new Set([process.pid, ...exclude]);
  const from = bornAfter !== undefined && lastPid() >= bornAfter ? bornAfter : 0;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid < from || skip.has(pid)) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    if (hasMarks(environEntries(environ), marks)) found.push(pid);
  }
  return found;
}

/** The last pid the kernel handed out (-1 when unknown: then every process is read). */
function lastPid(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  } catch {
    return -1;
  }
}

/** Sends `signal` to each pid; one that is gone already is not an error. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/**
 * SIGKILL to every process carrying `marks`, scanning again until a scan finds none (a process
 * may fork between a scan and its kill) or `rounds` scans were made. Returns how many it killed.
 */
export function killMarked(
  marks: Record<string, string>,
  exclude: readonly number[] = [],
  rounds = 20,
): number {
  const killed = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const pids = markedProcesses(marks, exclude);
    if (pids.length === 0) break;
    signalAll(pids, 'SIGKILL');
    for (const pid of pids) killed.add(pid);
  }
  return killed.size;
}
