import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.ts';
import { classifyFailure, StoreAvailability } from './availability.ts';

/** An error as the drivers raise them: a message and, mostly, a code. */
function failure(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('classifyFailure', () => {
  it.each([
    // The database cannot be used: an outage.
    ['connection refused', failure('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'outage'],
    ['connection reset', failure('read ECONNRESET', 'ECONNRESET'), 'outage'],
    ['broken pipe', failure('write EPIPE', 'EPIPE'), 'outage'],
    ['host unreachable', failure('connect EHOSTUNREACH', 'EHOSTUNREACH'), 'outage'],
    ['connection terminated (no code)', failure('Connection terminated unexpectedly'), 'outage'],
    [
      'pipelined connection broke',
      failure('Client has encountered a connection error and is not queryable'),
      'outage',
    ],
    [
      'admin shutdown 57P01',
      failure('terminating connection due to administrator command', '57P01'),
      'outage',
    ],
    [
      'crash shutdown 57P02',
      failure('terminating connection because of crash of another server process', '57P02'),
      'outage',
    ],
    ['cannot connect now 57P03', failure('the database system is starting up', '57P03'), 'outage'],
    ['connection exception 08006', failure('connection failure', '08006'), 'outage'],
    [
      'PostgreSQL disk full 53100',
      failure('could not extend file: No space left on device', '53100'),
      'outage',
    ],
    ['SQLite disk full', failure('database or disk is full', 'SQLITE_FULL'), 'outage'],
    ['SQLite I/O error', failure('disk I/O error', 'SQLITE_IOERR_WRITE'), 'outage'],
    ['SQLite file gone', failure('unable to open database file', 'SQLITE_CANTOPEN'), 'outage'],
    // The database is there but this query could not run now: neither starts nor ends an outage.
    ['SQLITE_BUSY', failure('database is locked', 'SQLITE_BUSY'), 'transient'],
    ['SQLITE_LOCKED', failure('database table is locked', 'SQLITE_LOCKED'), 'transient'],
    ['pool acquire timeout', failure('timeout exceeded when trying to connect'), 'transient'],
    ['too many connections 53300', failure('sorry, too many clients already', '53300'), 'transient'],
    // The database answered: an error of the query itself.
    ['statement timeout 57014', failure('canceling statement due to statement timeout', '57014'), 'answered'],
    ['unique violation 23505', failure('duplicate key value', '23505'), 'answered'],
    ['SQLite constraint', failure('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE'), 'answered'],
    ['an app error', new AppError('not_found', 'no such job'), 'answered'],
  ])('%s → %s', (_, error, kind) => {
    expect(classifyFailure(error).kind).toBe(kind);
  });

  it('names a full disk as such, anything else that stops the database as unreachable', () => {
    expect(classifyFailure(failure('database or disk is full', 'SQLITE_FULL'))).toEqual({
      kind: 'outage',
      problem: 'disk_full',
    });
    expect(classifyFailure(failure('x', 'ECONNREFUSED'))).toEqual({
      kind: 'outage',
      problem: 'database_unreachable',
    });
  });
});

describe('StoreAvailability', () => {
  it('starts no outage and owes no lease grace for transient failures, nor ends a real outage on them', () => {
    let now = 1000;
    const availability = new StoreAvailability(() => now);
    availability.failed(failure('database is locked', 'SQLITE_BUSY'));
    availability.failed(failure('timeout exceeded when trying to connect'));
    expect(availability.current()).toBeNull();
    expect(availability.pendingGrace()).toBeNull();
    availability.failed(failure('connect ECONNREFUSED', 'ECONNREFUSED'));
    now = 2000;
    availability.failed(failure('timeout exceeded when trying to connect'));
    expect(availability.current()).toMatchObject({ since: 1000, problem: 'database_unreachable' });
    availability.answered();
    expect(availability.current()).toBeNull();
    expect(availability.pendingGrace()).toEqual({ since: 1000, at: 2000 });
  });
});
