// Turns database failures that mean "the database cannot be used right now" into
// AppError('store_unavailable'), so callers can answer 503 and pilots retry; other errors pass.

import { AppError, isAppError } from '../core/index.ts';

/**
 * What a failure says of the database, the one table of it: `disk_full` (its disk is full),
 * `unusable` (its connection was refused, reset, broken or not reachable; PostgreSQL is shutting
 * down or starting, 57P01-3, or any connection exception, class 08; a SQLite file that cannot be
 * opened, read or written), `transient` (usable, but not for this query now: SQLITE_BUSY or
 * _LOCKED past busy_timeout, too many connections, a pool wait timeout), or null (an error of the
 * query itself). pg gives a dropped connection and a pool wait timeout no code, only words.
 */
export type Unavailability = 'disk_full' | 'unusable' | 'transient';

const DISK_FULL_CODE = /^(SQLITE_FULL|53100|ENOSPC)$/;
const UNUSABLE_CODE =
  /^(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|57P0[123]|08.*|SQLITE_(CANTOPEN|IOERR|READONLY).*)$/;
const TRANSIENT_CODE = /^(53300|SQLITE_(BUSY|LOCKED).*)$/;
const UNUSABLE_WORDS = [/connection terminated/i, /not queryable/i];
const TRANSIENT_WORDS = [/timeout exceeded when trying to connect/i];

export function unavailability(error: unknown): Unavailability | null {
  const cause = isAppError(error) && error.cause !== undefined ? error.cause : error;
  if (!(cause instanceof Error)) return null;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (DISK_FULL_CODE.test(code)) return 'disk_full';
    if (UNUSABLE_CODE.test(code)) return 'unusable';
    if (TRANSIENT_CODE.test(code)) return 'transient';
  }
  if (/no space left on device/i.test(cause.message)) return 'disk_full';
  if (typeof code === 'string') return null;
  if (UNUSABLE_WORDS.some((words) => words.test(cause.message))) return 'unusable';
  if (TRANSIENT_WORDS.some((words) => words.test(cause.message))) return 'transient';
  return null;
}

export function toStoreError(error: unknown): unknown {
  if (isAppError(error) || !(error instanceof Error)) return error;
  return unavailability(error) !== null
    ? new AppError('store_unavailable', `the database is unavailable: ${error.message}`, { cause: error })
    : error;
}

/** Runs one store operation so that a database outage surfaces as store_unavailable, like every Store verb. */
export function guardStore<T>(run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    throw toStoreError(error);
  });
}
