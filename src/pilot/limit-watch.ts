// The pilot's limit monitor for one payload: on every metrics sample it measures the group's
// memory (PSS from /proc/<pid>/smaps_rollup, else RSS), the work dir's disk use and whether its
// files and logs changed since the last look, and asks limitVerdict (core) whether to kill the group.
// The work dir is walked off the event loop (a payload may make millions of files), one walk at a time.

import { lstatSync, readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { monotonicNow } from '../core/clock.ts';
import {
  type LimitConfig,
  type LimitMeasurements,
  type LimitRequest,
  type LimitVerdict,
  limitVerdict,
} from '../core/resource-limits.ts';
import type { JobMetrics } from '../core/types.ts';

export interface LimitSettings {
  request: LimitRequest;
  config: LimitConfig;
}

/** Sum of `Pss:` over the processes in KiB, or null where the kernel has no smaps_rollup (before 4.14). */
export function groupPssKb(pids: readonly number[]): number | null {
  if (!hasRollup()) return null;
  let total = 0;
  for (const pid of pids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    } catch {
      continue; // the process ended since the scan: it holds no memory any more
    }
    const match = /^Pss:\s+(\d+) kB/m.exec(text);
    if (match) total += Number(match[1]);
  }
  return total;
}

let rollup: boolean | undefined;
function hasRollup(): boolean {
  if (rollup === undefined) {
    try {
      readFileSync('/proc/self/smaps_rollup');
      rollup = true;
    } catch {
      rollup = false;
    }
  }
  return rollup;
}

/** What a walk of a work dir found: its allocated bytes, and a stamp that any write changes. */
export interface TreeUsage {
  bytes: number;
  /** Every entry's size and mtime, summed: a write to any file changes it, whatever its mtime says. */
  stamp: string;
}

/** Walks `dir` (symlinks are not followed): see TreeUsage. */
export async function treeUsage(dir: string): Promise<TreeUsage> {
  let bytes = 0;
  let sizes = 0;
  let mtimes = 0;
  const walk = async (path: string): Promise<void> => {
    let stat: Awaited<ReturnType<typeof lstat>>;
    try {
      stat = await lstat(path);
    } catch {
      return; // removed meanwhile
    }
    bytes += stat.blocks * 512;
    sizes += stat.size;
    mtimes += stat.mtimeMs;
    if (!stat.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(path);
    } catch {
      return;
    }
    for (const name of names) await walk(join(path, name));
  };
  await walk(dir);
  return { bytes, stamp: `${sizes}:${mtimes}` };
}

/** Each file's mtime and size: a write changes one of them, whichever way the wall clock went. */
function filesSeen(paths: readonly string[]): string {
  let seen = '';
  for (const path of paths) {
    try {
      const stat = lstatSync(path);
      seen += `${stat.mtimeMs}:${stat.size};`;
    } catch {
      seen += '-;'; // not there (yet)
    }
  }
  return seen;
}

/** A work-dir walk waits this many times its own last duration before the next one starts. */
export const SCAN_SPACING = 20;

/** Watches one attempt; `check` takes each metrics sample and the group's members. */
export class LimitWatch {
  private lastCpu = -1;
  /** The last walk's result; null until the first walk ends. */
  private tree: TreeUsage | null = null;
  private scannedAt = Number.NEGATIVE_INFINITY;
  private scanMs = 0;
  private walking = false;
  private cpuChangedAt: number;
  /**
   * The work dir's and the logs' stamps as last seen; a change of either is a sign of life, dated
   * when seen. The first of each is the baseline: until then the files count as changed at spawn.
   */
  private treeSeen: string | null = null;
  private logsSeen: string | null = null;
  private filesChangedAt: number;

  constructor(
    private readonly settings: LimitSettings,
    private readonly sandbox: string,
    /** The job's stdout/stderr files: output counts as a sign of life. */
    private readonly logFiles: readonly string[],
    /** On the pilot's monotonic clock, as every time here: mtimes are only compared with earlier ones. */
    startedAt: number,
  ) {
    this.cpuChangedAt = startedAt;
    this.filesChangedAt = startedAt;
  }

  /** What was measured now; the group's pids come from the sample that gave `metrics`. */
  measure(metrics: JobMetrics, pids: readonly number[], now = monotonicNow()): LimitMeasurements {
    if (metrics.cpuSeconds !== this.lastCpu) {
      if (this.lastCpu >= 0) this.cpuChangedAt = now;
      this.lastCpu = metrics.cpuSeconds;
    }
    this.startWalk(now);
    const logs = filesSeen(this.logFiles);
    const tree = this.tree?.stamp ?? null;
    if (
      (this.logsSeen !== null && logs !== this.logsSeen) ||
      (this.treeSeen !== null && tree !== this.treeSeen)
    )
      this.filesChangedAt = now;
    this.logsSeen = logs;
    this.treeSeen = tree;
    // PSS is never above RSS: it is read only when RSS alone would pass the limit.
    const { memoryMiB } = this.settings.request;
    const overByRss =
      memoryMiB !== null && metrics.rssKb > memoryMiB * 1024 * this.settings.config.memoryGrace;
    const pss = overByRss ? groupPssKb(pids) : null;
    return {
      memoryKb: pss ?? metrics.rssKb,
      memorySource: pss === null ? 'rss' : 'pss',
      diskBytes: this.tree?.bytes ?? 0,
      now,
      cpuChangedAt: this.cpuChangedAt,
      filesChangedAt: this.filesChangedAt,
    };
  }

  /** Starts a walk of the work dir when the last one ended long enough ago; its result serves later samples. */
  private startWalk(now: number): void {
    if (this.walking || now - this.scannedAt < this.scanMs * SCAN_SPACING) return;
    this.walking = true;
    this.scannedAt = now;
    const started = monotonicNow();
    void treeUsage(this.sandbox)
      .then((tree) => {
        this.tree = tree;
      })
      .finally(() => {
        this.scanMs = monotonicNow() - started;
        this.walking = false;
      });
  }

  check(metrics: JobMetrics, pids: readonly number[]): LimitVerdict | null {
    return limitVerdict(this.measure(metrics, pids), this.settings.request, this.settings.config);
  }
}
