// The monitor's whole-table aggregates (counts by state, the timeline, failure groups). On
// PostgreSQL they run without parallel workers: each walks one index, and splitting the walk
// across workers cost more in start-up and gather-merge than it saved, taking cores from claims
// (docs/performance.md, fifth round).

import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/** Runs read-only `fn` inside a read-only transaction with parallel query off. */
export function aggregateReadPostgres<T>(
  db: Kysely<Database>,
  fn: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db
    .transaction()
    .setAccessMode('read only')
    .execute(async (tx) => {
      // SET LOCAL ends with the transaction, so the pooled connection goes back as it came.
      await sql`SET LOCAL max_parallel_workers_per_gather = 0`.execute(tx);
      return fn(tx);
    });
}
