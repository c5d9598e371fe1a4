// Named prepared statements on PostgreSQL for the precompiled hot-path queries (precompiled.ts):
// PostgreSQL parses and plans a named statement once per connection instead of on every call.
// Only those texts are named, so the set of prepared statements per connection stays small and fixed.

import { createHash } from 'node:crypto';
import type { QueryExecutorProvider, QueryResult, RawBuilder } from 'kysely';
import type pg from 'pg';

const texts = new Set<string>();

/** Marks a query text as worth preparing (precompiled.ts calls it once per compiled query). */
export function preparedText(text: string): void {
  texts.add(text);
}

/**
 * Runs a raw PostgreSQL query as a named prepared statement. Only for texts that do not depend on
 * the values and come in a fixed, small set (no IN lists of varying length, no row batches).
 */
export async function executePrepared<R>(
  db: QueryExecutorProvider,
  query: RawBuilder<R>,
): Promise<QueryResult<R>> {
  const compiled = query.compile(db);
  preparedText(compiled.sql);
  return db.getExecutor().executeQuery(compiled);
}

const names = new Map<string, string>();
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `p3s_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Routes a client's queries with a marked text through a named prepared statement. */
export function prepareMarkedQueries(client: pg.ClientBase): void {
  const query = client.query.bind(client) as Query;
  const named: Query = (config, values, callback) =>
    typeof config === 'string' && texts.has(config)
      ? query({ name: nameOf(config), text: config, values }, callback)
      : query(config, values, callback);
  client.query = named as typeof client.query;
}
