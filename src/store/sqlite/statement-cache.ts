// Kysely's SQLite driver prepares every statement on every call. Reusing the prepared statement
// per SQL text is safe here: one connection runs one statement at a time, and SQLite re-prepares
// itself after schema changes. The driver gets a wrapper; better-sqlite3's own object is untouched.

import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Bounds the cache: the store issues a few hundred distinct statements, not unbounded text. */
const MAX_STATEMENTS = 1000;

/** The database as Kysely sees it, with `prepare` answering a cached statement for text it has seen. */
export function cachingDatabase(database: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(source: string) {
      let statement = cache.get(source);
      if (!statement) {
        if (cache.size >= MAX_STATEMENTS) cache.clear();
        statement = database.prepare(source);
        cache.set(source, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
}
