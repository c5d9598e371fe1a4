// Queries of the pilot protocol's hot path, built with Kysely once per database and re-run with new
// values: building and compiling a query cost as much server CPU as SQLite running it. The builder
// gets named placeholders instead of values; each placeholder becomes one bound parameter, and a call
// fills them in. Only for queries whose SQL text does not depend on the values (no IN lists of
// varying length, no optional columns): such a query must be built the ordinary way.

import { type Compilable, CompiledQuery, type DialectAdapter, type Kysely } from 'kysely';
import { preparedText } from './pg-prepared.ts';
import type { Database } from './schema.ts';

/** A named placeholder: stands for a value while the query is compiled. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** Placeholder for argument `name`, typed as the value it stands for. */
export type Arg<A> = <K extends keyof A & string>(name: K) => A[K];

type RowOf<C> = C extends Compilable<infer R> ? R : never;

export interface Precompiled<A, R> {
  /** All result rows. */
  rows(db: Kysely<Database>, args: A): Promise<R[]>;
  /** The first result row, if any. */
  first(db: Kysely<Database>, args: A): Promise<R | undefined>;
}

/**
 * A query built by `build`, compiled once per database (its dialect adapter, which a transaction
 * shares with its database), executed with `args` bound to its placeholders.
 */
export function precompiled<A extends object, C extends Compilable<unknown>>(
  build: (db: Kysely<Database>, arg: Arg<A>) => C,
): Precompiled<A, RowOf<C>> {
  const compiled = new WeakMap<DialectAdapter, CompiledQuery<RowOf<C>>>();
  const placeholder = ((name: string) => new Placeholder(name)) as unknown as Arg<A>;
  const rows = async (db: Kysely<Database>, args: A): Promise<RowOf<C>[]> => {
    const adapter = db.getExecutor().adapter;
    let query = compiled.get(adapter);
    if (!query) {
      query = build(db, placeholder).compile() as CompiledQuery<RowOf<C>>;
      compiled.set(adapter, query);
      preparedText(query.sql);
    }
    const parameters = query.parameters.map((p) =>
      p instanceof Placeholder ? (args as Record<string, unknown>)[p.name] : p,
    );
    const result = await db.executeQuery<RowOf<C>>(CompiledQuery.raw(query.sql, parameters));
    return result.rows as RowOf<C>[];
  };
  return { rows, first: async (db, args) => (await rows(db, args))[0] };
}
