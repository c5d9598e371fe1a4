// PostgreSQL: the claim's choice of job, in a function that pins its plan to the claimable index.
// With stale statistics (a burst of submissions before autovacuum's next ANALYZE) the planner
// estimated one defined job and sorted every defined job on each claim instead: 2.7 ms a claim at
// 4,000 queued, growing with the queue. SQLite pins the same plan with INDEXED BY (sqlite/claim.ts).

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/** The function's name; postgres/claim.ts calls it and the store tests check its plan. */
export const NEXT_CLAIMABLE_JOB = 'p3s_next_claimable_job';

export function claimPlan(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      // The best eligible defined job (core/matching.ts), locked, skipping rows other claims hold.
      // No sort and no bitmap scan leaves one plan: the claimable index walked in dispatch order.
      // p_job_types null = any type. PL/pgSQL keeps the plan for the connection's life.
      await sql`
        CREATE FUNCTION p3s_next_claimable_job(p_site text, p_job_types text[]) RETURNS integer
        LANGUAGE plpgsql VOLATILE
        SET enable_sort = off
        SET enable_bitmapscan = off
        AS $$
        BEGIN
          RETURN (
            SELECT id FROM jobs
            WHERE state = 'defined'
              AND (site IS NULL OR site = p_site)
              AND (p_job_types IS NULL OR jobtype = ANY (p_job_types))
            ORDER BY priority DESC, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED);
        END
        $$`.execute(db);
    },
  };
}
