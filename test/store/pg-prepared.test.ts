// Named prepared statements on PostgreSQL: a text marked as fixed (precompiled.ts) runs as a named
// statement through the preparing pool (PostgreSQL lists it for the session), an unmarked one does
// not; results are the same. executePrepared marks and runs a raw Kysely query the same way.

import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePrepared, preparingPool } from '../../src/store/postgres/prepared.ts';
import { FIXED_TEXT } from '../../src/store/precompiled.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';

describe.runIf(postgresAvailable())('named prepared statements (PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('prepares a marked text once per connection and leaves the others alone', async () => {
    const marked = `${FIXED_TEXT}SELECT $1::int + 1 AS answer`;
    const unmarked = 'SELECT $1::int + 2 AS answer';
    const client = await preparingPool(pool).connect();
    try {
      expect((await client.query(marked, [41])).rows).toEqual([{ answer: 42 }]);
      expect((await client.query(marked, [1])).rows).toEqual([{ answer: 2 }]);
      expect((await client.query(unmarked, [40])).rows).toEqual([{ answer: 42 }]);
      const prepared = await client.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements',
        [],
      );
      expect(prepared.rows).toEqual([
        { name: expect.stringMatching(/^p3s_[0-9a-f]{20}$/), statement: marked },
      ]);
    } finally {
      client.release();
    }
  });

  it('runs a raw Kysely query as a named statement (executePrepared)', async () => {
    const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    const query = (n: number) => sql<{ doubled: number }>`SELECT ${n}::int * 2 AS doubled`;
    expect((await executePrepared(kysely, query(21))).rows).toEqual([{ doubled: 42 }]);
    expect((await executePrepared(kysely, query(5))).rows).toEqual([{ doubled: 10 }]);
    const prepared = await kysely.executeQuery<{ statement: string }>(
      sql`SELECT statement FROM pg_prepared_statements`.compile(kysely),
    );
    expect(prepared.rows.map((r) => r.statement)).toContain(`${FIXED_TEXT}SELECT $1::int * 2 AS doubled`);
  });
});
