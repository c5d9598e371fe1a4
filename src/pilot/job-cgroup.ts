// Per-job cgroups (cgroup v2), where the pilot may create them (root, or a delegated subtree): every
// process of a payload stays in its job's cgroup whatever it does — setsid, double fork, a cleared
// environment — and `cgroup.kill` ends them all at once. The pilot makes `p3s-<uuid>/` under its own
// cgroup and one `job-<label>/` per attempt; elsewhere (no cgroup v2, no permission) it does without.

import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cgroup2Mount, cgroup2MountOf, MOUNTINFO_FILE } from '../core/cgroup-mount.ts';
import { monotonicNow } from '../core/clock.ts';

/** The process's cgroup v2 path in a /proc/self/cgroup text (`0::/path`), or undefined. */
export function cgroup2Path(cgroup: string): string | undefined {
  const line = cgroup.split('\n').find((l) => l.startsWith('0::'));
  return line?.slice(3).trim() || undefined;
}

/** The pilot's own cgroup directory (cgroup v2) and its mount, or undefined where there is none. */
export function ownCgroup(): { dir: string; mount: Cgroup2Mount } | undefined {
  try {
    const mount = cgroup2MountOf(readFileSync(MOUNTINFO_FILE, 'utf8'));
    const path = cgroup2Path(readFileSync('/proc/self/cgroup', 'utf8'));
    return mount && path ? { dir: join(mount.path, path), mount } : undefined;
  } catch {
    return undefined;
  }
}

/** The pilot's cgroup for its jobs: `p3s-<uuid>/` beside the pilot, one child per attempt. */
export class PilotCgroups {
  private constructor(
    /** The pilot's own cgroup, where it returns after each spawn. */
    private readonly home: string,
    /** `<home>/p3s-<uuid>`: the jobs' cgroups are its children. */
    readonly dir: string,
    /** The cgroup v2 mount they are on. */
    readonly mount: Cgroup2Mount,
  ) {}

  /** Creates the pilot's job cgroup directory; null where cgroup v2 is missing or not writable. */
  static open(pilotUuid: string): PilotCgroups | null {
    const own = ownCgroup();
    if (!own) return null;
    const home = own.dir;
    const dir = join(home, `p3s-${pilotUuid}`);
    try {
      mkdirSync(dir);
      // The pilot must be able to move itself in and out: try once with no job to spare.
      writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
      writeFileSync(join(home, 'cgroup.procs'), String(process.pid));
      return new PilotCgroups(home, dir, own.mount);
    } catch {
      tryRmdir(dir);
      return null;
    }
  }

  /** A fresh cgroup for one attempt; null when it cannot be made (the job runs without one). */
  job(label: string): JobCgroup | null {
    const dir = join(this.dir, `job-${label}`);
    try {
      if (!tryMkdir(dir)) {
        // Left by an earlier run of the same attempt: empty it and start afresh (rmdir fails until empty).
        killCgroup(dir);
        waitEmpty(dir);
        tryRmdir(dir);
        mkdirSync(dir);
      }
      return new JobCgroup(dir, this.home);
    } catch {
      return null;
    }
  }

  /** Kills whatever is left in every job cgroup and removes them and the pilot's directory. */
  removeAll(): void {
    removePilotCgroups(this.dir);
  }
}

/** Kills what is left in each job cgroup under `dir`, removes them, then `dir` itself. */
export function removePilotCgroups(dir: string): void {
  for (const child of childCgroups(dir)) {
    killCgroup(child);
    waitEmpty(child);
    tryRmdir(child);
  }
  tryRmdir(dir);
}

export class JobCgroup {
  constructor(
    readonly dir: string,
    private readonly home: string,
  ) {}

  /** Whether spawnInside forked inside this cgroup (false: it could not move there, so spawned outside). */
  holdsPayload = false;

  /**
   * Runs `spawn` with the pilot moved into this cgroup, so the child it forks starts inside (no
   * process of the payload can fork before it is placed), then moves the pilot back. Node's spawn
   * forks synchronously, so nothing else of the pilot's forks in between.
   */
  spawnInside<T>(spawn: () => T): T {
    try {
      writeFileSync(join(this.dir, 'cgroup.procs'), String(process.pid));
    } catch {
      return spawn();
    }
    this.holdsPayload = true;
    try {
      return spawn();
    } finally {
      writeFileSync(join(this.home, 'cgroup.procs'), String(process.pid));
    }
  }

  /** Every process in the cgroup. */
  pids(): number[] {
    return cgroupPids(this.dir);
  }

  /** Whether any process is left (cgroup.events `populated`). */
  populated(): boolean {
    try {
      return /^populated 1$/m.test(readFileSync(join(this.dir, 'cgroup.events'), 'utf8'));
    } catch {
      return false;
    }
  }

  /** Sends `signal` to each process in the cgroup (SIGKILL: all at once through cgroup.kill). */
  signal(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') killCgroup(this.dir);
    else for (const pid of this.pids()) signalPid(pid, signal);
  }

  /** Removes the (empty) cgroup. */
  remove(): void {
    tryRmdir(this.dir);
  }
}

/** SIGKILL to every process of a cgroup: `cgroup.kill` (Linux 5.14+), else each listed process. */
export function killCgroup(dir: string): void {
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
    return;
  } catch {
    // no cgroup.kill: signal what is listed (a fork in between is caught by the next pass)
  }
  for (let pass = 0; pass < 3; pass++) {
    const pids = cgroupPids(dir);
    if (pids.length === 0) return;
    for (const pid of pids) signalPid(pid, 'SIGKILL');
  }
}

/** The job cgroups under a pilot's directory. */
export function childCgroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
}

function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** A killed cgroup empties within moments; rmdir fails until it has. */
function waitEmpty(dir: string): void {
  const deadline = monotonicNow() + 1000;
  while (cgroupPids(dir).length > 0 && monotonicNow() < deadline) Atomics.wait(SLEEPER, 0, 0, 10);
}
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Makes `dir`; false when it exists already. */
function tryMkdir(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not there, or not empty yet
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}
