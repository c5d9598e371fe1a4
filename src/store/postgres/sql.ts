// PostgreSQL's SQL forms (DialectSql). Rows read before a change are locked (FOR UPDATE), in the
// order every writer takes them; whole-table aggregates run without parallel workers; a NULLS LAST
// page on a nullable column is split in two index walks (job-list-queries.ts).

import type { DialectSql } from '../dialect.ts';
import { aggregateReadPostgres } from './aggregate-read.ts';
import { changeWithRecordsPostgres } from './change.ts';
import { claimNextJobPostgres } from './claim.ts';

export const POSTGRES_SQL: DialectSql = Object.freeze({
  name: 'postgres',
  locksRows: true,
  lockRows: (qb, options) => (options?.skipLocked ? qb.forUpdate().skipLocked() : qb.forUpdate()),
  locked: (_plain, forUpdate) => forUpdate,
  aggregateRead: aggregateReadPostgres,
  changeWithRecords: changeWithRecordsPostgres,
  claimForPilot: claimNextJobPostgres,
  nullsLastPage: (_oneOrder, split) => split(),
} satisfies DialectSql);
