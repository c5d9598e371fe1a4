// The monitor's job listings on PostgreSQL walk an index in the page's order and stop after the
// page, and a bounded count stops too. Plans read from PostgreSQL (EXPLAIN) on 20,000 analyzed
// jobs: before, `ORDER BY id DESC NULLS LAST` on the never-null id sorted every job for the default
// newest-first page (280 ms at 10^6 jobs, 0.3 ms by the index), and the count scanned every match;
// the newest ended jobs (NULLs last, where a backward walk of the ended index has them first) sorted
// every job (303 ms at 10^6; 13 ms as two index walks cut at the page's end).

import { type CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { jobCountQuery, jobPageQuery } from '../../src/store/job-list-queries.ts';
import { POSTGRES_SQL } from '../../src/store/postgres/sql.ts';
import type { JobListQuery } from '../../src/store/store.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { usePostgresStore } from './postgres-store-fixture.ts';

const COLUMNS =
  'uuid, name, user_name, jobtype, payload, env, priority, timelimit, site, state, attempt, kill_requested, created_at, defined_at, updated_at, started_at, ended_at';

describe.runIf(postgresAvailable())('job listing plans (PostgreSQL)', () => {
  const fixture = usePostgresStore();

  async function plan(query: CompiledQuery): Promise<string> {
    const explained = await fixture.kysely.executeQuery<{ 'QUERY PLAN': string }>({
      ...query,
      sql: `EXPLAIN ${query.sql}`,
    });
    return explained.rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  const view = (changes: Partial<JobListQuery>): JobListQuery => ({
    filter: {},
    sort: 'id',
    order: 'desc',
    limit: 50,
    offset: 0,
    ...changes,
  });

  /** 20,000 analyzed jobs; most ended, one in ten has not (ended_at NULL), so NULLS LAST matters for `ended`. */
  async function loadJobs(): Promise<void> {
    await sql
      .raw(
        `INSERT INTO jobs (${COLUMNS})
         SELECT gen_random_uuid()::text, 'job-' || i, 'u' || (i % 4), 't' || (i % 5), '/bin/true', '{}', 0, 60,
                NULL, CASE WHEN i % 10 = 0 THEN 'defined' ELSE 'finished' END, 1, 0, i, i, i,
                CASE WHEN i % 10 = 0 THEN NULL ELSE i + 1 END, CASE WHEN i % 10 = 0 THEN NULL ELSE i + 2 END
         FROM generate_series(1, 20000) AS i`,
      )
      .execute(fixture.kysely);
    await sql`ANALYZE jobs`.execute(fixture.kysely);
  }

  it('pages by walking an index in order, with no sort, in every order of id, created and ended', async () => {
    await loadJobs();
    const cases: [Partial<JobListQuery>, string][] = [
      [{}, 'Index Scan Backward using jobs_pkey'],
      [{ offset: 5000 }, 'Index Scan Backward using jobs_pkey'],
      [{ order: 'asc' }, 'Index Scan using jobs_pkey'],
      [{ filter: { user: 'u1' } }, 'Index Scan Backward using jobs_pkey'],
      [{ sort: 'created', order: 'desc' }, 'Index Scan Backward using jobs_by_created_index'],
      [{ sort: 'created', order: 'asc' }, 'Index Scan using jobs_by_created_index'],
    ];
    for (const [changes, walk] of cases) {
      const shown = await plan(jobPageQuery(fixture.kysely, POSTGRES_SQL, view(changes)).compile());
      expect(shown, JSON.stringify(changes)).toContain(walk);
      expect(shown, JSON.stringify(changes)).not.toMatch(/Sort|Seq Scan/);
    }
  });

  it('pages the newest ended first by walking the ended index backwards, sorting only the page', async () => {
    await loadJobs();
    for (const changes of [{}, { offset: 5000 }, { filter: { user: 'u1' } }, { order: 'asc' as const }]) {
      const shown = await plan(
        jobPageQuery(fixture.kysely, POSTGRES_SQL, view({ sort: 'ended', ...changes })).compile(),
      );
      expect(shown, JSON.stringify(changes)).toMatch(
        /Index (Only )?Scan( Backward)? using jobs_by_ended_index/,
      );
      expect(shown, JSON.stringify(changes)).not.toContain('Seq Scan');
      // The page's sort takes the two parts' ids, each part cut at the page's end by a Limit.
      expect(shown, JSON.stringify(changes)).toMatch(/Limit[\s\S]*Sort[\s\S]*Append[\s\S]*Limit[\s\S]*Limit/);
    }
  });

  it('counts with a bound by stopping after it, and without one by counting every match', async () => {
    const bounded = await plan(jobCountQuery(fixture.kysely, view({ countUpTo: 10_050 })).compile());
    expect(bounded).toMatch(/Aggregate[\s\S]*Limit/);
    const exact = await plan(jobCountQuery(fixture.kysely, view({})).compile());
    expect(exact).toContain('Aggregate');
    expect(exact).not.toContain('Limit');
  });
});
