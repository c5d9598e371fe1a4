// The pipelined connection the grouped finishes share (src/store/pg-pipeline.ts): queries sent
// together go to one backend, each is its own transaction so one that fails fails alone, a broken
// connection is replaced, and closing the store leaves no connection behind.

import { type Kysely, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { finishConnection } from '../../src/store/postgres/dialect.ts';
import { pipelinedDb } from '../../src/store/postgres/pipeline.ts';
import { executePrepared } from '../../src/store/postgres/prepared.ts';
import type { Database } from '../../src/store/schema.ts';
import { postgresAvailable } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/processes.ts';
import { useEmptyPostgresDatabase } from './postgres-store-fixture.ts';

describe.runIf(postgresAvailable())('pipelined connection (PostgreSQL)', () => {
  const database = useEmptyPostgresDatabase();
  beforeAll(async () => {
    await sql`CREATE TABLE marks (n integer PRIMARY KEY)`.execute(database.admin);
  });

  const backendPid = async (db: Kysely<Database>) =>
    (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]?.pid;

  it('sends queries issued together to one backend', async () => {
    const db = pipelinedDb({ connectionString: database.url });
    try {
      const pids = await Promise.all(Array.from({ length: 5 }, () => backendPid(db)));
      expect(new Set(pids).size).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it('runs each query as its own transaction: one that fails leaves the others committed', async () => {
    const db = pipelinedDb({ connectionString: database.url });
    try {
      const results = await Promise.allSettled([
        sql`INSERT INTO marks VALUES (1)`.execute(db),
        sql`INSERT INTO marks VALUES (1 / 0)`.execute(db),
        sql`INSERT INTO marks VALUES (3)`.execute(db),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/division by zero/);
      const { rows } = await sql<{ n: number }>`SELECT n FROM marks ORDER BY n`.execute(database.admin);
      expect(rows.map((r) => r.n)).toEqual([1, 3]);
    } finally {
      await db.destroy();
    }
  });

  it('opens a new connection after its backend is terminated', async () => {
    const db = pipelinedDb({ connectionString: database.url });
    try {
      const before = await backendPid(db);
      await sql`SELECT pg_terminate_backend(${before}::integer)`.execute(database.admin);
      // Queries written before the client saw the connection close fail; a later one reconnects.
      const after = await waitFor('a query on a new backend', () => backendPid(db), 1_000, 50);
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
    } finally {
      await db.destroy();
    }
  });

  it("plans the grouped finishes' statement once, generically, on their connection", async () => {
    const plans = async (db: Kysely<Database>) => {
      await executePrepared(db, sql`SELECT ${1}::integer + 1 AS n`);
      return (
        await sql<{ generic: number; custom: number }>`
          SELECT generic_plans::integer AS generic, custom_plans::integer AS custom
          FROM pg_prepared_statements`.execute(db)
      ).rows;
    };
    // A URL with session options of its own keeps them, and the finish connection its plan mode.
    const withOptions = new URL(database.url);
    withOptions.searchParams.set('options', '-c search_path=public');
    const finishes = finishConnection({ connectionString: withOptions.toString() });
    const plain = pipelinedDb({ connectionString: database.url });
    try {
      expect(await plans(finishes)).toEqual([{ generic: 1, custom: 0 }]);
      const shown = await sql<{ search_path: string }>`SHOW search_path`.execute(finishes);
      expect(shown.rows[0]?.search_path).toBe('public');
      // PostgreSQL's default, for contrast: a fresh plan for each of the first five runs.
      expect(await plans(plain)).toEqual([{ generic: 0, custom: 1 }]);
    } finally {
      await finishes.destroy();
      await plain.destroy();
    }
  });

  it('refuses queries once closed', async () => {
    const db = pipelinedDb({ connectionString: database.url });
    await backendPid(db);
    await db.destroy();
    await expect(backendPid(db)).rejects.toThrow(/destroyed/);
  });

  it('leaves no connection open once the store that finishes on it is closed', async () => {
    const store = await openStore({ databaseUrl: database.url });
    await store.migrate();
    // A finish report that matches nothing still runs the grouped statement on the pipelined connection.
    await store
      .finishJob({
        jobId: 1,
        attempt: 1,
        pilotUuid: 'nobody',
        outcome: { kind: 'exited', exitCode: 0 },
        metrics: null,
        now: Date.now(),
      })
      .catch(() => undefined);
    await store.close();
    // A backend leaves pg_stat_activity a moment after its socket closes; a leaked one never does.
    const openBackends = async () =>
      (
        await sql<{ open: number }>`
          SELECT count(*)::integer AS open FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(database.admin)
      ).rows[0]?.open;
    await waitFor(
      "the closed store's backends to end",
      async () => (await openBackends()) === 0,
      5_000,
    ).catch(() => undefined);
    expect(await openBackends()).toBe(0);
  });
});
