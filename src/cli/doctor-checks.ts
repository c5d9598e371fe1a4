// The checks of `p3s doctor` that run in the CLI process: Node version, directories, free space,
// the server and the token. Each yields a status and, when not ok, a line saying how to fix it.

import { mkdtempSync, rmdirSync, statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { privateDirExposure, secretFileExposure } from '../core/auth.ts';
import {
  cgroup2MountOf,
  favorDynmodsCommand,
  favorsDynamicCgroups,
  kernelFavorsDynmods,
} from '../core/cgroup-mount.ts';

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

/**
 * Whether a pilot here starts its jobs without waiting on the kernel: pilots that may write cgroup
 * v2 (root, or a delegated subtree) move into each job's new cgroup, which costs an RCU grace
 * period per job unless the mount favours dynamic changes. `mountinfo`: /proc/self/mountinfo.
 */
export function checkCgroupMount(mountinfo: string | undefined, features: string | undefined): CheckResult {
  const name = 'cgroups';
  const mount = mountinfo === undefined ? undefined : cgroup2MountOf(mountinfo);
  if (!mount)
    return { name, status: 'skip', detail: 'no cgroup v2 here: pilots keep payloads in process groups' };
  if (!kernelFavorsDynmods(features))
    return {
      name,
      status: 'skip',
      detail: `cgroup v2 at ${mount.path}; this kernel has no favordynmods (Linux 6.0+)`,
    };
  if (favorsDynamicCgroups(mount))
    return {
      name,
      status: 'ok',
      detail: `cgroup v2 at ${mount.path}, favordynmods: job starts move cheaply`,
    };
  return {
    name,
    status: 'warn',
    detail: `cgroup v2 at ${mount.path} without favordynmods: a pilot that runs payloads in cgroups (as root or with a delegated subtree) waits milliseconds per job start`,
    fix: `${favorDynmodsCommand(mount)} (as root, Linux 6.0+; or add favordynmods to its fstab line)`,
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

/** A token file (the local admin token): only its owner may read it. Skipped when there is none. */
export function checkTokenFile(name: string, path: string): CheckResult {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return { name, status: 'skip', detail: `${path} does not exist (yet)` };
  }
  const exposed = secretFileExposure(mode);
  return exposed
    ? {
        name,
        status: 'fail',
        detail: `${path} is ${exposed}: anyone who reads it acts with its token`,
        fix: `chmod 600 ${path}`,
      }
    : { name, status: 'ok', detail: `${path} is readable by its owner only` };
}

/** The data dir: only its owner may enter it (it holds the database, the tokens, the pilots' logs). */
export function checkPrivateDir(name: string, path: string): CheckResult {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return { name, status: 'skip', detail: `${path} does not exist (yet)` };
  }
  const exposed = privateDirExposure(mode);
  return exposed
    ? {
        name,
        status: 'fail',
        detail: `${path} is ${exposed}: others may read the database (every job's env) and the logs in it`,
        fix: `chmod 700 ${path}`,
      }
    : { name, status: 'ok', detail: `${path} is open to its owner only` };
}

/** What asking the server "who am I" gave. */
export type WhoamiOutcome =
  | { kind: 'ok'; name: string; role: string; site: string | null; expiresAt: number | null }
  | { kind: 'unauthorized'; message: string }
  | { kind: 'server-down' }
  | { kind: 'error'; message: string };

/** A token expiring sooner than this warns. */
export const TOKEN_EXPIRY_WARN_MS = 7 * 86_400_000;

/**
 * The token check: who the server takes us for. `from` says where the token came from (`none`
 * when no token was sent); a 401 fails with how to get a token, a server that is down skips.
 */
export function checkToken(outcome: WhoamiOutcome, from: string, now = Date.now()): CheckResult {
  const name = 'token';
  switch (outcome.kind) {
    case 'server-down':
      return { name, status: 'skip', detail: 'skipped: the server did not answer (see the server check)' };
    case 'error':
      return { name, status: 'warn', detail: `cannot ask the server who this token is: ${outcome.message}` };
    case 'unauthorized':
      return {
        name,
        status: 'fail',
        detail: `${outcome.message} (token: ${from})`,
        fix:
          from === 'none'
            ? 'give a token with --token, P3S_TOKEN or P3S_TOKEN_FILE (an admin creates one with p3s token create)'
            : 'the token is unknown to this server, revoked or expired: ask an admin for a new one (p3s token create)',
      };
    case 'ok': {
      const site = outcome.site === null ? '' : `, site ${outcome.site}`;
      const detail = `"${outcome.name}" (${outcome.role}${site}) from ${from}`;
      if (outcome.expiresAt !== null && outcome.expiresAt - now < TOKEN_EXPIRY_WARN_MS)
        return {
          name,
          status: 'warn',
          detail: `${detail}; expires in ${Math.max(0, Math.round((outcome.expiresAt - now) / 3_600_000))}h`,
          fix: 'ask an admin for a new token before this one expires (p3s token create)',
        };
      return { name, status: 'ok', detail };
    }
  }
}
