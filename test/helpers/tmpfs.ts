// A small tmpfs for full-disk tests (root only: CI runs as root): mounted on a fresh directory,
// filled to the last byte with a ballast file, freed again, unmounted.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  readonly dir: string;
  /** Writes a ballast file until the filesystem is full (ENOSPC); returns the bytes written. */
  fill(): number;
  /** Removes the ballast. */
  free(): void;
  /** Frees and unmounts. */
  destroy(): void;
}

let mountable: boolean | undefined;

/** Whether this process may mount a tmpfs (root, and mount works here). */
export function tmpfsAvailable(): boolean {
  if (mountable === undefined) {
    mountable = false;
    if (process.getuid?.() === 0) {
      try {
        const probe = mountTmpfs(1024 * 1024);
        probe.destroy();
        mountable = true;
      } catch {
        mountable = false;
      }
    }
  }
  return mountable;
}

export function mountTmpfs(sizeBytes: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'p3s-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs on ${dir}: ${mounted.stderr || mounted.error}`);
  }
  const ballast = join(dir, 'ballast');
  const free = () => rmSync(ballast, { force: true });
  return {
    dir,
    fill: () => {
      const fd = openSync(ballast, 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      try {
        for (;;) {
          try {
            written += writeSync(fd, chunk);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
            // The last pages: smaller writes until not one byte fits.
            if (chunk.length === 1) return written;
            return written + fillRest(fd);
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free,
    destroy: () => {
      free();
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fillRest(fd: number): number {
  let written = 0;
  for (let size = 32 * 1024; size >= 1; size = Math.floor(size / 2)) {
    const chunk = Buffer.alloc(size, 1);
    for (;;) {
      try {
        written += writeSync(fd, chunk);
      } catch {
        break;
      }
    }
  }
  return written;
}
