// Turns database failures that mean "the database cannot be used right now" into
// AppError('store_unavailable'), so callers can answer 503 and pilots retry; other errors pass.

import { AppError, isAppError } from '../core/index.ts';

/** Socket errors of the PostgreSQL connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
]);
/** SQLSTATEs of a server that is going away or full: admin/crash shutdown, cannot connect now, too many connections, disk full. */
const PG_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '53100']);
/**
 * pg reports a dropped connection, a pool wait timeout and a query sent on a connection that just
 * broke (the pipelined one, postgres/pipeline.ts, before it is replaced) without a code.
 */
const PG_UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
];
/** SQLite: locked past busy_timeout, or the file cannot be read or written. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/;

export function toStoreError(error: unknown): unknown {
  if (isAppError(error) || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const unavailable =
    typeof code === 'string'
      ? NETWORK_CODES.has(code) ||
        PG_UNAVAILABLE_CODES.has(code) ||
        code.startsWith('08') ||
        SQLITE_UNAVAILABLE.test(code)
      : PG_UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message));
  return unavailable
    ? new AppError('store_unavailable', `the database is unavailable: ${error.message}`, { cause: error })
    : error;
}

/** Runs one store operation so that a database outage surfaces as store_unavailable, like every Store verb. */
export function guardStore<T>(run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    throw toStoreError(error);
  });
}
