// Resource use of a payload's process group, read from /proc (Linux). Elsewhere, or when
// /proc cannot be read, every figure is zero: metrics are informative, never fatal.

import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import type { JobMetrics } from '../core/types.ts';

/** Kernel clock ticks per second (USER_HZ), 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/** One process as /proc/<pid>/stat describes it. */
export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T, … */
  state: string;
  pgrp: number;
  /** utime + stime + cutime + cstime, in clock ticks: the process and its reaped children. */
  cpuTicks: number;
  rssPages: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) on; field n is rest[n - 3].
  const rest = text.slice(close + 2).split(' ');
  const num = (field: number) => Number(rest[field - 3] ?? Number.NaN);
  const stat: ProcStat = {
    pid,
    state: rest[0] ?? '?',
    pgrp: num(5),
    cpuTicks: num(14) + num(15) + num(16) + num(17),
    rssPages: num(24),
  };
  return Number.isFinite(stat.pgrp) && Number.isFinite(stat.cpuTicks) && Number.isFinite(stat.rssPages)
    ? stat
    : null;
}

/** Every process whose process group is `pgid` (zombies included); empty when /proc is unreadable. */
export function processGroup(pgid: number): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process ended between readdir and read
    }
    const stat = parseProcStat(text);
    if (stat && stat.pgrp === pgid) members.push(stat);
  }
  return members;
}

/**
 * Whether anything that can still run is left in the group. Zombies do not count: where
 * PID 1 does not reap orphans (some containers and micro-VMs) they linger but are dead.
 * Without /proc, falls back to signal 0, which counts zombies as alive.
 */
export function groupAlive(pgid: number): boolean {
  // Signal 0 answers "no such group" without a /proc scan, the usual case once a payload exited.
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  return hasProc() ? processGroup(pgid).some((p) => p.state !== 'Z' && p.state !== 'X') : true;
}

let procAvailable: boolean | undefined;
function hasProc(): boolean {
  if (procAvailable === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procAvailable = true;
    } catch {
      procAvailable = false;
    }
  }
  return procAvailable;
}

let pageSize: number | undefined;
/** Bytes per page: the first `KernelPageSize` of /proc/self/smaps, else 4096. */
export function pageBytes(): number {
  if (pageSize !== undefined) return pageSize;
  pageSize = 4096;
  try {
    const fd = openSync('/proc/self/smaps', 'r');
    try {
      const buffer = Buffer.alloc(8192);
      const n = readSync(fd, buffer, 0, buffer.length, null);
      const match = /KernelPageSize:\s+(\d+) kB/.exec(buffer.toString('utf8', 0, n));
      if (match) pageSize = Number(match[1]) * 1024;
    } finally {
      closeSync(fd);
    }
  } catch {
    // keep the default
  }
  return pageSize;
}

/** Samples one process group; keeps the peak RSS and never lets CPU time go backwards. */
export class GroupSampler {
  private last: JobMetrics = { cpuSeconds: 0, rssKb: 0, maxRssKb: 0 };
  /** The live (non-zombie) processes of the last sample. */
  members: number[] = [];

  constructor(readonly pgid: number) {}

  /** Reads /proc now and returns the updated figures. */
  sample(): JobMetrics {
    let ticks = 0;
    let pages = 0;
    const members: number[] = [];
    for (const p of processGroup(this.pgid)) {
      ticks += p.cpuTicks;
      pages += p.rssPages;
      if (p.state !== 'Z' && p.state !== 'X') members.push(p.pid);
    }
    this.members = members;
    const rssKb = Math.round((pages * pageBytes()) / 1024);
    // CPU of a member that exited unreaped leaves the group's sum; the total only ever grows.
    const cpuSeconds = Math.max(this.last.cpuSeconds, ticks / CLOCK_TICKS);
    this.last = { cpuSeconds, rssKb, maxRssKb: Math.max(this.last.maxRssKb, rssKb) };
    return this.current();
  }

  /** The figures of the last sample. */
  current(): JobMetrics {
    return { ...this.last };
  }
}
