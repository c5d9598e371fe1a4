// The PostgreSQL claim's pick (migration 0006, with 0013's fit) walks the claimable index in dispatch order even
// when the table's statistics are stale: here thousands of defined jobs were inserted and never
// analyzed, the case in which the plain query sorted every defined job on each claim. The plan is
// read from PostgreSQL itself (auto_explain, sent to this session as notices).

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEXT_CLAIMABLE_JOB } from '../../src/store/migrations/0006-claim-plan.ts';
import { NEXT_CLAIMABLE_JOBS } from '../../src/store/migrations/0007-claim-batch.ts';
import { openStore } from '../../src/store/open-store.ts';
import { FINISH_PLAN_CACHE_MODE } from '../../src/store/postgres/dialect.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';

const COLUMNS =
  'uuid, name, user_name, jobtype, payload, env, priority, timelimit, site, state, attempt, kill_requested, created_at, defined_at, updated_at';

// PostgreSQL's default plan choice, and the grouped finish connection's generic plans (which the
// pick inside its statement runs under too).
const PLAN_MODES = ['auto', FINISH_PLAN_CACHE_MODE];

describe.runIf(postgresAvailable()).each(PLAN_MODES)(
  'the claim plan (PostgreSQL, plan_cache_mode %s)',
  (mode) => {
    let db: TestDatabase;
    let client: pg.Client;
    const notices: string[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      const store = await openStore({ databaseUrl: db.url, sqlitePath: '/nonexistent/unused.db' });
      await store.migrate();
      await store.close();
      client = new pg.Client({ connectionString: db.url });
      await client.connect();
      client.on('notice', (notice) => notices.push(notice.message ?? ''));
      // 4,000 defined jobs, no ANALYZE: every 4th has site 'cern', every 5th is of type 'reco'.
      // The best for a pilot at 'cern' taking 'reco' is the single priority-5 job near the end (3980).
      await client.query(
        `INSERT INTO jobs (${COLUMNS})
       SELECT gen_random_uuid()::text, 'job-' || i, 'u', CASE WHEN i % 5 = 0 THEN 'reco' ELSE 'sim' END,
              '/bin/true', '{}', CASE WHEN i = 3980 THEN 5 ELSE 0 END, 60,
              CASE WHEN i % 4 = 0 THEN 'cern' END, 'defined', 1, 0, 0, 0, 0
       FROM generate_series(1, 4000) AS i`,
      );
      await client.query(`LOAD 'auto_explain'`);
      for (const setting of [
        'auto_explain.log_min_duration = 0',
        'auto_explain.log_nested_statements = on',
        "auto_explain.log_level = 'notice'",
        "client_min_messages = 'notice'",
        `plan_cache_mode = ${mode}`,
      ])
        await client.query(`SET ${setting}`);
    });
    afterAll(async () => {
      await client?.end();
      await db?.drop();
    });

    // The offer (migration 0013): memory MiB, cores, disk MiB, ms of lifetime left; null = no bound.
    const UNBOUNDED = [null, null, null, null];

    async function pick(
      site: string | null,
      jobTypes: string[] | null,
      offer: (number | null)[] = UNBOUNDED,
    ) {
      notices.length = 0;
      const { rows } = await client.query(`SELECT ${NEXT_CLAIMABLE_JOB}($1, $2, $3, $4, $5, $6) AS id`, [
        site,
        jobTypes,
        ...offer,
      ]);
      const plan = notices.find((n) => n.includes('FROM jobs')) ?? '';
      const name = (await client.query('SELECT name FROM jobs WHERE id = $1', [rows[0].id])).rows[0]?.name;
      return { name, plan };
    }

    it.each([
      { who: 'a pilot without a site, any type', site: null, types: null, expected: 'job-1' },
      { who: 'a pilot at cern taking sim', site: 'cern', types: ['sim'], expected: 'job-1' },
      { who: 'a pilot at cern taking reco', site: 'cern', types: ['reco'], expected: 'job-3980' },
      { who: 'a pilot elsewhere taking reco', site: 'fnal', types: ['reco'], expected: 'job-5' },
      // Jobs that ask for nothing fit a bounded pilot at the first row: its bounds leave the plan alone.
      {
        who: 'a pilot offering 1 GiB, 2 cores, 1 GiB of disk and an hour',
        site: null,
        types: null,
        offer: [1024, 2, 1024, 3_600_000],
        expected: 'job-1',
      },
    ])(
      '$who gets $expected from an ordered walk of the claimable index',
      async ({ site, types, offer, expected }) => {
        const { name, plan } = await pick(site, types, offer);
        expect(name).toBe(expected);
        expect(plan).toContain('jobs_claimable_index');
        expect(plan).not.toMatch(/Sort|Bitmap/);
      },
    );

    it('returns null when no job is eligible', async () => {
      expect((await pick(null, ['none'])).name).toBeUndefined();
      // Every job has a 60 s time limit: none fits a pilot with 59 s left.
      expect((await pick(null, null, [null, null, null, 59_000])).name).toBeUndefined();
    });

    it('picks the best N for a group (migration 0007) from the same ordered walk, best first', async () => {
      notices.length = 0;
      const { rows } = await client.query(
        `SELECT j.name FROM ${NEXT_CLAIMABLE_JOBS}($1, $2, 3, NULL, NULL, NULL, NULL) WITH ORDINALITY AS pick(id, rank)
       JOIN jobs j ON j.id = pick.id ORDER BY pick.rank`,
        ['cern', ['reco']],
      );
      expect(rows.map((r) => r.name)).toEqual(['job-3980', 'job-5', 'job-10']);
      const plan = notices.find((n) => n.includes('FROM jobs') && n.includes('p_limit')) ?? '';
      expect(plan).toContain('jobs_claimable_index');
      expect(plan).not.toMatch(/Sort|Bitmap/);
    });
  },
);
