// What a pilot can hold: the resources it advertised at registration (memory and disk in MiB,
// cores) and when its lifetime ends (epoch ms, by the server's clock). NULL = unlimited or unknown,
// as for pilots from before this migration. On PostgreSQL the claim's pick functions (0006, 0007)
// gain the same fit rule as core/job-fit.ts; they are otherwise unchanged. Their arguments change,
// so they are dropped and created (CREATE OR REPLACE would add an overload beside the old ones).

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';
import { NEXT_CLAIMABLE_JOB } from './0006-claim-plan.ts';
import { NEXT_CLAIMABLE_JOBS } from './0007-claim-batch.ts';

export function pilotResources(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const column of ['memory_mib', 'cores', 'disk_mib'])
        await db.schema.alterTable('pilots').addColumn(column, 'integer').execute();
      await db.schema.alterTable('pilots').addColumn('lifetime_ends_at', 'bigint').execute();
      if (dialect !== 'postgres') return;
      await sql`DROP FUNCTION ${sql.raw(NEXT_CLAIMABLE_JOB)}(text, text[])`.execute(db);
      await sql`DROP FUNCTION ${sql.raw(NEXT_CLAIMABLE_JOBS)}(text, text[], integer)`.execute(db);
      // p_memory, p_cores, p_disk: what the pilot offers; p_ms_left: its lifetime left. Null = no
      // constraint. The fit is a filter on the rows the index walk reaches, so the plan stays the
      // same, and a job that asks for nothing passes it at the first row.
      await sql`
        CREATE FUNCTION p3s_next_claimable_job(p_site text, p_job_types text[],
          p_memory integer, p_cores integer, p_disk integer, p_ms_left bigint) RETURNS integer
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
              AND (memory_mib IS NULL OR p_memory IS NULL OR memory_mib <= p_memory)
              AND (cores IS NULL OR p_cores IS NULL OR cores <= p_cores)
              AND (disk_mib IS NULL OR p_disk IS NULL OR disk_mib <= p_disk)
              AND (p_ms_left IS NULL OR timelimit * 1000::bigint <= p_ms_left)
            ORDER BY priority DESC, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED);
        END
        $$`.execute(db);
      await sql`
        CREATE FUNCTION p3s_next_claimable_jobs(p_site text, p_job_types text[], p_limit integer,
          p_memory integer, p_cores integer, p_disk integer, p_ms_left bigint)
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
              AND (memory_mib IS NULL OR p_memory IS NULL OR memory_mib <= p_memory)
              AND (cores IS NULL OR p_cores IS NULL OR cores <= p_cores)
              AND (disk_mib IS NULL OR p_disk IS NULL OR disk_mib <= p_disk)
              AND (p_ms_left IS NULL OR timelimit * 1000::bigint <= p_ms_left)
            ORDER BY priority DESC, id
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED;
        END
        $$`.execute(db);
    },
  };
}
