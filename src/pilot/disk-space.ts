// A pilot's disks: its work dir (job sandboxes) and its job log dir must have room, or every job it
// takes would fail in milliseconds for want of space. It checks before each claim and after a payload
// fails, and says which directory is full: to the server (a hold, a job's `disk_full` error) and in its log.

import { statfsSync } from 'node:fs';
import { formatBytes } from '../core/index.ts';

/** A directory the pilot writes, and what it is for. */
export interface PilotDir {
  path: string;
  what: 'work dir' | 'job log dir';
}

/** The directories a pilot writes for its jobs. */
export function pilotDirs(options: { workDir: string; joblogDir: string }): PilotDir[] {
  return [
    { path: options.workDir, what: 'work dir' },
    { path: options.joblogDir, what: 'job log dir' },
  ];
}

export interface DiskShortage extends PilotDir {
  freeBytes: number;
  minFreeBytes: number;
}

/** Bytes an unprivileged writer may still use where `path` lives; undefined when it cannot be told. */
export function freeBytes(path: string): number | undefined {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** The first directory with less than `minFreeBytes` free, or null. A directory that cannot be measured is not short. */
export function diskShortage(
  dirs: readonly PilotDir[],
  minFreeBytes: number,
  measure: (path: string) => number | undefined = freeBytes,
): DiskShortage | null {
  for (const dir of dirs) {
    const free = measure(dir.path);
    if (free !== undefined && free < minFreeBytes) return { ...dir, freeBytes: free, minFreeBytes };
  }
  return null;
}

/** One line naming the full directory, for the server (a pilot's hold, a job's diagnostic) and the log. */
export function describeShortage(shortage: DiskShortage): string {
  return (
    `the pilot's ${shortage.what} ${shortage.path} is full: ${formatBytes(shortage.freeBytes)} free, ` +
    `${formatBytes(shortage.minFreeBytes)} needed to take jobs`
  );
}

/** An error of a write that found no room (ENOSPC), or a user quota used up (EDQUOT). */
export function isDiskFullError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
