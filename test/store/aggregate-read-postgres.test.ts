// The monitor's aggregates on PostgreSQL run without parallel workers (src/store/postgres/aggregate-read.ts):
// at 10^6 jobs on 2 cores the parallel count by state took twice as long as one ordered walk.
// Parallel plans are made free here so that the planner would pick one if it were allowed to.

import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { aggregateReadPostgres } from '../../src/store/postgres/aggregate-read.ts';
import type { Database } from '../../src/store/schema.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { usePostgresStore } from './postgres-store-fixture.ts';

const COLUMNS =
  'uuid, name, user_name, jobtype, payload, env, priority, timelimit, state, created_at, updated_at';

describe.runIf(postgresAvailable())('aggregate reads (PostgreSQL)', () => {
  const fixture = usePostgresStore();

  /** The plan of the overview's count by state, with parallel plans costing nothing. */
  async function countPlan(db: Kysely<Database>): Promise<string> {
    for (const setting of [
      'parallel_setup_cost = 0',
      'parallel_tuple_cost = 0',
      'min_parallel_table_scan_size = 0',
      'min_parallel_index_scan_size = 0',
    ])
      await sql.raw(`SET LOCAL ${setting}`).execute(db);
    const { rows } = await sql<{
      'QUERY PLAN': string;
    }>`EXPLAIN SELECT state, count(*) FROM jobs GROUP BY state`.execute(db);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  async function loadJobs(): Promise<void> {
    await sql
      .raw(
        `INSERT INTO jobs (${COLUMNS})
         SELECT gen_random_uuid()::text, 'job-' || i, 'u', 't', '/bin/true', '{}', 0, 60,
                CASE WHEN i % 10 = 0 THEN 'defined' ELSE 'finished' END, i, i
         FROM generate_series(1, 20000) AS i`,
      )
      .execute(fixture.kysely);
    await sql`ANALYZE jobs`.execute(fixture.kysely);
  }

  it('plans the count by state without workers, where a plain transaction would use them', async () => {
    await loadJobs();
    const plain = await fixture.kysely.transaction().execute(countPlan);
    expect(plain).toContain('Gather');
    const aggregate = await aggregateReadPostgres(fixture.kysely, countPlan);
    expect(aggregate).not.toContain('Gather');
  });

  it('leaves the pooled connection as it found it, and refuses writes', async () => {
    const setting = async (db: Kysely<Database>) =>
      (await sql<{ v: string }>`SELECT current_setting('max_parallel_workers_per_gather') AS v`.execute(db))
        .rows[0]?.v;
    const before = await setting(fixture.kysely);
    expect(await aggregateReadPostgres(fixture.kysely, setting)).toBe('0');
    expect(await setting(fixture.kysely)).toBe(before);
    await expect(
      aggregateReadPostgres(fixture.kysely, (db) => sql`DELETE FROM jobs`.execute(db)),
    ).rejects.toThrow(/read-only transaction/);
  });

  it('gives the store the same counts by state', async () => {
    await loadJobs();
    const summary = await fixture.store.summary();
    expect(summary.jobs).toMatchObject({ finished: 18000, defined: 2000, total: 20000 });
  });
});
