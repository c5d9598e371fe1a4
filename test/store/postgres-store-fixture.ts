// A migrated PostgreSQL store in a throw-away database, for test files that drive one of its
// statements directly: registers the hooks, emptied before each test, plus a Kysely over the same
// database (its int8 values stay strings: compare those through the store). Also an empty database
// with only such a Kysely, for tests that open and close stores or connections of their own.

import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

/** Every table with rows, emptied between tests (RESTART IDENTITY: ids start at 1 again). */
export const STORE_TABLES =
  'jobs, job_events, job_attempts, job_logs, pilots, datasets, workflows, dags, datatypes, sites, tokens, audit_events';

export interface PostgresStoreFixture {
  store: Store;
  kysely: Kysely<Database>;
  /** The database's connection string, for a test's own connections. */
  url: string;
}

/** Call inside a describe block: its fields are set before the first test. */
export function usePostgresStore(): PostgresStoreFixture {
  const fixture = {} as PostgresStoreFixture;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    fixture.url = db.url;
    fixture.store = await openStore({ databaseUrl: db.url });
    await fixture.store.migrate();
    fixture.kysely = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }),
    });
  });
  beforeEach(async () => {
    await sql.raw(`TRUNCATE ${STORE_TABLES} RESTART IDENTITY`).execute(fixture.kysely);
  });
  afterAll(async () => {
    await fixture.kysely?.destroy();
    await fixture.store?.close();
    await db?.drop();
  });
  return fixture;
}

export interface EmptyPostgresFixture {
  /** The database's connection string. */
  url: string;
  /** One connection of the test's own, for setup and for reading what the code under test did. */
  admin: Kysely<Database>;
}

/** Call inside a describe block: an empty throw-away database, its fields set before the first test. */
export function useEmptyPostgresDatabase(): EmptyPostgresFixture {
  const fixture = {} as EmptyPostgresFixture;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    fixture.url = db.url;
    fixture.admin = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 1 }) }),
    });
  });
  afterAll(async () => {
    await fixture.admin?.destroy();
    await db?.drop();
  });
  return fixture;
}
