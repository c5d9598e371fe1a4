// The checks of `p3s doctor` that run in the CLI process: Node version, directories, free space,
// the server and the token. Each yields a status and, when not ok, a line saying how to fix it.

import { mkdtempSync, rmdirSync, statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** How to fix it (for warn and fail). */
  fix?: string;
}

export const REQUIRED_NODE = '20.19.0';
/** Below this a data or work directory fails; below WARN_FREE_BYTES it warns. */
export const MIN_FREE_BYTES = 100 * 1024 * 1024;
export const WARN_FREE_BYTES = 1024 * 1024 * 1024;

/** -1, 0 or 1 comparing dotted version numbers (`v20.19.0`, `20.9`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/^v/, '')
      .split(/[.-]/)
      .slice(0, 3)
      .map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function checkNode(version = process.versions.node): CheckResult {
  const ok = compareVersions(version, REQUIRED_NODE) >= 0;
  return ok
    ? { name: 'node', status: 'ok', detail: `Node.js ${version} (need ${REQUIRED_NODE} or newer)` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node.js ${version} is too old (need ${REQUIRED_NODE} or newer)`,
        fix: `install Node.js ${REQUIRED_NODE} or newer, then run npm rebuild`,
      };
}

/** The status a number of free bytes deserves. */
export function freeSpaceStatus(bytes: number): CheckStatus {
  if (bytes < MIN_FREE_BYTES) return 'fail';
  return bytes < WARN_FREE_BYTES ? 'warn' : 'ok';
}

/** The directory itself when it exists, else its nearest existing ancestor (what a mkdir -p would write into). */
export function nearestExisting(path: string): string {
  let current = resolve(path);
  for (;;) {
    try {
      statSync(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/**
 * Whether `path` is (or can be created as) a writable directory, by really writing: a probe
 * file in it, or a probe directory in its nearest existing ancestor. Leaves nothing behind.
 */
export function probeWritable(path: string): { ok: true; exists: boolean } | { ok: false; reason: string } {
  const target = resolve(path);
  const base = nearestExisting(target);
  try {
    if (!statSync(base).isDirectory())
      return { ok: false, reason: `${base} is not a directory, so ${target} cannot be created` };
    if (base === target) {
      const probe = join(target, `.p3s-doctor-${process.pid}`);
      writeFileSync(probe, 'p3s doctor\n');
      unlinkSync(probe);
      return { ok: true, exists: true };
    }
    rmdirSync(mkdtempSync(join(base, '.p3s-doctor-')));
    return { ok: true, exists: false };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** A directory p3s writes into: writable (or creatable), with free space. `choose` says how to pick another. */
export function checkDirectory(name: string, path: string, choose: string): CheckResult {
  const probe = probeWritable(path);
  if (!probe.ok)
    return {
      name,
      status: 'fail',
      detail: `${path} is not writable: ${probe.reason}`,
      fix: `make it writable, or ${choose}`,
    };
  const where = probe.exists ? path : `${path} (will be created)`;
  let free: number;
  try {
    const fs = statfsSync(nearestExisting(path));
    free = fs.bavail * fs.bsize;
  } catch {
    return { name, status: 'ok', detail: `${where} is writable (free space unknown)` };
  }
  const status = freeSpaceStatus(free);
  const detail = `${where} is writable, ${formatGiB(free)} free`;
  return status === 'ok'
    ? { name, status, detail }
    : { name, status, detail, fix: `free some space on its file system, or ${choose}` };
}

function formatGiB(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.round(bytes / 1024 ** 2)} MiB`;
}
