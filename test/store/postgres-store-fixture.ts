// A migrated PostgreSQL store in a throw-away database, for test files that drive one of its
// statements directly: registers the hooks, emptied before each test, plus a Kysely over the same
// database (its int8 values stay strings: compare those through the store). Also an empty database
// with only such a Kysely, for tests that open and close stores or connections of their own.

import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { shippedRetryRules } from '../../src/store/migrations/0012-retry-rules.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

/** Every table with rows, emptied between tests (RESTART IDENTITY: ids start at 1 again). */
export const STORE_TABLES =
  'jobs, job_events, job_attempts, job_logs, job_samples, pilots, datasets, workflows, dags, datatypes, sites, tokens, audit_events, idempotency_keys, workers, retry_rules';

/** Empties every table, then puts the shipped retry rules back, as a fresh migration leaves them. */
export async function emptyStoreTables(db: Kysely<Database>): Promise<void> {
  await sql.raw(`TRUNCATE ${STORE_TABLES} RESTART IDENTITY`).execute(db);
  await db
    .insertInto('retry_rules')
    .values(shippedRetryRules(Date.now()) as never)
    .execute();
}

export interface PostgresStoreFixture {
  store: Store;
  kysely: Kysely<Database>;
  /** The database's connection string, for a test's own connections. */
  url: string;
}

/** Call inside a describe block: its fields are set before the first test. */
export function usePostgresStore(): PostgresStoreFixture {
  const fixture = {} as PostgresStoreFixture;
  const database = useEmptyPostgresDatabase(2);
  beforeAll(async () => {
    fixture.url = database.url;
    fixture.kysely = database.admin;
    fixture.store = await openStore({ databaseUrl: database.url });
    await fixture.store.migrate();
  });
  beforeEach(async () => {
    await emptyStoreTables(fixture.kysely);
  });
  // After hooks run in reverse: the store closes before the database's own hook drops it.
  afterAll(async () => {
    await fixture.store?.close();
  });
  return fixture;
}

export interface EmptyPostgresFixture {
  /** The database's connection string. */
  url: string;
  /** The test's own connections, for setup and for reading what the code under test did. */
  admin: Kysely<Database>;
}

/**
 * Call inside a describe block: an empty throw-away database, its fields set before the first test;
 * `connections` for the admin Kysely.
 */
export function useEmptyPostgresDatabase(connections = 1): EmptyPostgresFixture {
  const fixture = {} as EmptyPostgresFixture;
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    fixture.url = db.url;
    fixture.admin = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: connections }) }),
    });
  });
  afterAll(async () => {
    await fixture.admin?.destroy();
    await db?.drop();
  });
  return fixture;
}
