// Indexes behind the web monitor's queries: the overview's time series and failure groups, queue
// depth by type and site, and the job list's error, site and time-window filters at 10^6 jobs.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';

export function monitor(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const statement of INDEXES) await statement.execute(db);
    },
  };
}

const INDEXES = [
  // Timeline: events of the last hour/day/week, bucketed.
  sql`CREATE INDEX job_events_by_at_index ON job_events (at)`,
  // Recent failures, the "ended" time window and sorting by end time.
  sql`CREATE INDEX jobs_by_ended_index ON jobs (ended_at, id)`,
  // Queue depth by type and site, read from the index alone; it holds active jobs only.
  sql`CREATE INDEX jobs_queue_index ON jobs (state, jobtype, site) WHERE state IN ('defined', 'dispatched', 'running')`,
  // The error filter (only ended jobs carry an error).
  sql`CREATE INDEX jobs_by_error_index ON jobs (error_name, id) WHERE error_name IS NOT NULL`,
  // The site filter matches the requested site or the site the job ran at.
  sql`CREATE INDEX jobs_by_site_index ON jobs (site, id) WHERE site IS NOT NULL`,
  sql`CREATE INDEX jobs_by_ran_at_site_index ON jobs (ran_at_site, id) WHERE ran_at_site IS NOT NULL`,
];
