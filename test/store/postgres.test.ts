// The store conformance suite on PostgreSQL: one fresh database for this file, emptied
// before each test and dropped at the end. Skipped (with a warning) without a server.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../src/core/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';
import { describeStoreConformance } from './conformance.ts';
import { restoreShippedRetryRules } from './conformance-fixtures.ts';
import { STORE_TABLES } from './postgres-store-fixture.ts';

const available = postgresAvailable();
let database: TestDatabase | undefined;

beforeAll(async () => {
  if (available) database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function exec(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: database?.url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function opened(): Promise<Store> {
  const store = await openStore({ databaseUrl: database?.url });
  await store.migrate();
  return store;
}

describe.runIf(available)('PostgreSQL', () => {
  describeStoreConformance('PostgreSQL', () => ({
    dialect: 'postgres',
    fresh: async () => {
      const store = await opened();
      await exec(`TRUNCATE ${STORE_TABLES} RESTART IDENTITY`);
      return restoreShippedRetryRules(store);
    },
    reopen: opened,
    exec,
  }));
});

describe('PostgreSQL connection', () => {
  it('reports an unreachable server with its host but never the password', async () => {
    const error = (await openStore({ databaseUrl: 'postgres://p3s:s3cret@127.0.0.1:1/p3s' }).catch(
      (e) => e,
    )) as AppError;
    expect(error.code).toBe('store_unavailable');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).not.toContain('s3cret');
  });
});
