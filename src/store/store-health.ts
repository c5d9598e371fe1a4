// The store's answer to "can the database be used right now?" for /api/v1/health: a live probe
// query, and for SQLite the free space of the disk holding the file (a full disk still answers
// reads, so the probe alone would call it healthy while every write fails).

import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { formatBytes } from '../core/index.ts';
import { problemOf, type StoreProblem } from './availability.ts';
import type { Database } from './schema.ts';

export interface StoreHealthProblem {
  problem: StoreProblem;
  message: string;
}

/** Below this many free bytes the disk holding a SQLite database counts as full. */
export const LOW_DISK_BYTES = 1024 * 1024;
/** A probe that has not answered by then reports the database unreachable (a connect may wait 10 s). */
const PROBE_TIMEOUT_MS = 3000;

/** What keeps the database from being used now; empty when it is healthy. */
export async function probeStoreHealth(
  db: Kysely<Database>,
  sqliteFile: string | undefined,
): Promise<StoreHealthProblem[]> {
  const problems: StoreHealthProblem[] = [];
  try {
    await withTimeout(sql`SELECT 1`.execute(db), PROBE_TIMEOUT_MS);
  } catch (error) {
    problems.push({
      problem: problemOf(error),
      message: `the database does not answer: ${(error as Error).message}`,
    });
  }
  const free = sqliteFile === undefined ? undefined : freeBytes(dirname(sqliteFile));
  if (free !== undefined && free < LOW_DISK_BYTES)
    problems.push({
      problem: 'disk_full',
      message: `the disk holding the database ${sqliteFile} is full: ${formatBytes(free)} free`,
    });
  return problems;
}

/** Bytes an unprivileged writer may still use on the filesystem holding `dir`; undefined if unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
