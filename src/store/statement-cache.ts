// Kysely's SQLite driver prepares every statement on every call; preparing was a fifth of the
// server's CPU in a claim/finish profile. Reusing the prepared statement per SQL text is safe here:
// one connection runs one statement at a time, and SQLite re-prepares itself after schema changes.

import type BetterSqlite3 from 'better-sqlite3';

/** Bounds the cache: the store issues a few hundred distinct statements, not unbounded text. */
const MAX_STATEMENTS = 1000;

/** Makes `database.prepare` return a cached statement for SQL text it has seen before. */
export function cachePreparedStatements(database: BetterSqlite3.Database): void {
  const prepare = database.prepare.bind(database);
  const cache = new Map<string, BetterSqlite3.Statement>();
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      if (cache.size >= MAX_STATEMENTS) cache.clear();
      statement = prepare(source);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof database.prepare;
}
