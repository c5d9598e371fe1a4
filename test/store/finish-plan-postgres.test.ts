// The grouped PostgreSQL finish (store/finish-postgres.ts) finds each report's job through an
// index. In the benchmark, planned for the 100 rows a set-returning function is assumed to give,
// its join hashed the whole jobs table on every group (2.5 of a 4 ms statement at 3,000 jobs,
// growing with the table); the job ids now also come as an array, an index condition at any size.
// Here sixteen pilots run ten rounds on a table never analyzed, on the generic plan the server's
// finish connection uses from the first run; the plan is read from PostgreSQL itself (auto_explain).

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { FINISH_PLAN_CACHE_MODE } from '../../src/store/postgres/dialect.ts';
import { finishSoloJobsPostgres } from '../../src/store/postgres/finish.ts';
import { preparingPool } from '../../src/store/postgres/prepared.ts';
import { endingOf } from '../../src/store/reports/finish.ts';
import type { Database } from '../../src/store/schema.ts';
import type { FinishInput } from '../../src/store/store.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';
import { LEASE_MS, registerPilot, spec, T0 } from './conformance-fixtures.ts';

describe.runIf(postgresAvailable())('the grouped finish plan (PostgreSQL)', () => {
  // A fresh database: its tables' sizes are as the migration's CREATE INDEX left them (empty).
  const fixture = {} as { store: Store; url: string };
  let db: TestDatabase;
  const notices: string[] = [];
  let explained: Kysely<Database>;

  beforeAll(async () => {
    db = await createTestDatabase();
    fixture.url = db.url;
    fixture.store = await openStore({ databaseUrl: db.url });
    await fixture.store.migrate();
    // One connection, with the server's named statements, that logs the plan of every statement it runs.
    const pool = new pg.Pool({ connectionString: fixture.url, max: 1 });
    pool.on('connect', (client) => {
      client.on('notice', (notice) => notices.push(notice.message ?? ''));
      for (const statement of [
        `LOAD 'auto_explain'`,
        'SET auto_explain.log_min_duration = 0',
        "SET auto_explain.log_level = 'notice'",
        "SET client_min_messages = 'notice'",
        // As on the server's finish connection: one generic plan from the first run on.
        `SET plan_cache_mode = ${FINISH_PLAN_CACHE_MODE}`,
      ])
        void client.query(statement);
    });
    explained = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  });
  afterAll(async () => {
    await explained?.destroy();
    await fixture.store?.close();
    await db?.drop();
  });

  it("finds each report's job through an index, not by scanning the jobs table", async () => {
    const { store } = fixture;
    // A burst of 3,000 submissions into a table never analyzed.
    await store.submitJobs(
      Array.from({ length: 4000 }, () => spec()),
      'alice',
      T0,
    );
    const report = (jobId: number, pilotUuid: string, now: number): FinishInput => ({
      jobId,
      pilotUuid,
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      metrics: null,
      now,
    });
    let reports: FinishInput[] = [];
    for (let i = 0; i < 16; i++) {
      const pilot = await registerPilot(store, {}, T0);
      const claimed = await store.claimJob(pilot.uuid, { site: null, jobTypes: [] }, LEASE_MS, T0);
      reports.push(report(claimed?.job.id as number, pilot.uuid, T0));
    }
    // Sixteen pilots finish and fetch their next job together, ten times, on the generic plan the
    // server's finish connection keeps.
    for (let round = 1; round <= 10; round++) {
      notices.length = 0;
      const answers = await finishSoloJobsPostgres(
        explained,
        reports.map((input) => ({ input, ending: endingOf(input), claimMs: LEASE_MS })),
      );
      expect(answers.map((answer) => answer?.next?.state)).toEqual(Array(16).fill('dispatched'));
      const plan = notices.find((notice) => notice.includes('WITH report AS')) ?? '';
      expect(plan, `round ${round}`).toContain('Index Scan using jobs_pkey');
      expect(plan, `round ${round}`).not.toContain('Seq Scan on jobs');
      reports = answers.map((answer, i) =>
        report(answer?.next?.id as number, reports[i]?.pilotUuid as string, T0 + round),
      );
    }
  });
});
