// Named prepared statements on PostgreSQL for the texts marked as fixed (precompiled.ts, the raw
// statements run through executePrepared): PostgreSQL parses and plans a named statement once per
// connection instead of on every call. Only those texts are named, so the set of prepared
// statements per connection stays small and fixed. The connections Kysely gets are wrapped; no
// driver method is replaced.

import { createHash } from 'node:crypto';
import {
  CompiledQuery,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type QueryExecutorProvider,
  type QueryResult,
  type RawBuilder,
} from 'kysely';
import type pg from 'pg';
import { FIXED_TEXT, isFixedText } from '../precompiled.ts';

/**
 * Runs a raw PostgreSQL query as a named prepared statement. Only for texts that do not depend on
 * the values and come in a fixed, small set (no IN lists of varying length, no row batches).
 */
export async function executePrepared<R>(
  db: QueryExecutorProvider,
  query: RawBuilder<R>,
): Promise<QueryResult<R>> {
  const compiled = query.compile(db);
  return db
    .getExecutor()
    .executeQuery(CompiledQuery.raw(FIXED_TEXT + compiled.sql, [...compiled.parameters]));
}

/** Statement names by text, one map per pool (a name is the text's hash, so any map agrees). */
export class StatementNames {
  readonly #names = new Map<string, string>();
  of(text: string): string {
    let name = this.#names.get(text);
    if (!name) {
      name = `p3s_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      this.#names.set(text, name);
    }
    return name;
  }
}

/** A pooled client whose fixed texts run as named statements. */
export function preparingClient(
  client: pg.ClientBase & { release?(): void },
  names: StatementNames,
): PostgresPoolClient {
  const query = (config: string | PostgresCursor<unknown>, values?: ReadonlyArray<unknown>) =>
    typeof config === 'string' && isFixedText(config)
      ? client.query({ name: names.of(config), text: config, values: values as unknown[] })
      : client.query(config as string, values as unknown[]);
  return {
    query: query as unknown as PostgresPoolClient['query'],
    release: () => client.release?.(),
  };
}

/**
 * The pool Kysely draws from: pg's pool, each client wrapped by preparingClient once. The same
 * wrapper for the same client, since Kysely keeps its connection object per client it is handed.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new StatementNames();
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrapped.get(client);
      if (wrapper === undefined) {
        wrapper = preparingClient(client, names);
        wrapped.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
