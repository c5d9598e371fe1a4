// A migrated SQLite store in a fresh file per test, for test files that drive one of its grouped
// statements directly, plus a second connection (Kysely) to the same file: a group runs in a write
// transaction of its own there, as the store's group commit would run it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import type { Database } from '../../src/store/schema.ts';
import type { Tx } from '../../src/store/transaction.ts';

export interface SqliteStoreFixture {
  store: Store;
  kysely: Kysely<Database>;
  /** Runs `fn` in a write transaction on the second connection. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/** Call at the top of a test file: its fields are set before each test. */
export function useSqliteStore(): SqliteStoreFixture {
  const dir = mkdtempSync(join(tmpdir(), 'p3s-sqlite-store-'));
  let count = 0;
  const fixture = {
    write: (fn) => fixture.kysely.transaction().execute(fn),
  } as SqliteStoreFixture;
  beforeEach(async () => {
    count += 1;
    const file = join(dir, `case-${count}.db`);
    fixture.store = await openStore({ sqlitePath: file });
    await fixture.store.migrate();
    fixture.kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(file) }),
    });
  });
  afterEach(async () => {
    await fixture.kysely.destroy();
    await fixture.store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return fixture;
}
