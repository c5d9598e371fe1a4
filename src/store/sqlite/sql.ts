// SQLite's SQL forms (DialectSql). A write transaction holds the database's write lock from its
// BEGIN IMMEDIATE, so reads before a change take no row locks, and SQLite walks a nullable
// column's index in both orders, so a NULLS LAST page is one ORDER BY.

import type { DialectSql } from '../dialect.ts';
import { changeWithRecordsSqlite } from './change.ts';
import { claimForPilotSqlite } from './claim.ts';

export const SQLITE_SQL: DialectSql = Object.freeze({
  name: 'sqlite',
  locksRows: false,
  lockRows: (qb) => qb,
  locked: (plain) => plain,
  aggregateRead: (db, fn) => fn(db),
  changeWithRecords: changeWithRecordsSqlite,
  claimForPilot: (tx, pilot, match, leaseMs, now) =>
    claimForPilotSqlite(tx, SQLITE_SQL, pilot, match, leaseMs, now),
  nullsLastPage: (oneOrder) => oneOrder(),
} satisfies DialectSql);
