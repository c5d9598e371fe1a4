// Which database failures become store_unavailable, and which pass through.

import { describe, expect, it } from 'vitest';
import { AppError, NotFoundError } from '../core/index.ts';
import { toStoreError } from './store-errors.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('toStoreError', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 10.0.0.1:5432', 'ECONNREFUSED')],
    ['an administrator shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['a connection exception', withCode('connection failure', '08006')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a query on a connection that just broke',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['a locked SQLite file', withCode('database is locked', 'SQLITE_BUSY')],
    ['a SQLite I/O error', withCode('disk I/O error', 'SQLITE_IOERR_WRITE')],
    ['a full PostgreSQL disk', withCode('could not extend file: No space left on device', '53100')],
  ])('reports %s as store_unavailable, keeping the cause', (_, error) => {
    const mapped = toStoreError(error) as AppError;
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped.code).toBe('store_unavailable');
    expect(mapped.cause).toBe(error);
  });

  it.each([
    ['a constraint violation', withCode('duplicate key value', '23505')],
    ['a SQLite constraint', withCode('NOT NULL constraint failed: jobs.name', 'SQLITE_CONSTRAINT_NOTNULL')],
    ['a domain error', new NotFoundError('job', 1)],
    ['a plain error', new Error('boom')],
  ])('passes %s through unchanged', (_, error) => {
    expect(toStoreError(error)).toBe(error);
  });
});
