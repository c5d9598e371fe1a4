// PostgreSQL: the claim's choice of the best N jobs at once, for a group of fetch-next reports that
// arrive together (postgres/finish.ts). Within one statement SKIP LOCKED does not skip the rows the
// statement itself locked, so N claims cannot call migration 0006's function N times: one call
// takes N distinct jobs, in dispatch order, with the same pinned plan.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';

/** The function's name; postgres/finish.ts calls it and the store tests check its plan. */
export const NEXT_CLAIMABLE_JOBS = 'p3s_next_claimable_jobs';

export function claimBatch(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'postgres') return;
      // The same pick as p3s_next_claimable_job (0006), for up to p_limit jobs, best first.
      await sql`
        CREATE FUNCTION p3s_next_claimable_jobs(p_site text, p_job_types text[], p_limit integer)
        RETURNS SETOF integer
        LANGUAGE plpgsql VOLATILE
        SET enable_sort = off
        SET enable_bitmapscan = off
        AS $$
        BEGIN
          RETURN QUERY
            SELECT id FROM jobs
            WHERE state = 'defined'
              AND (site IS NULL OR site = p_site)
              AND (p_job_types IS NULL OR jobtype = ANY (p_job_types))
            ORDER BY priority DESC, id
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED;
        END
        $$`.execute(db);
    },
  };
}
