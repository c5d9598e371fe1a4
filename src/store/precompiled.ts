// Queries of the pilot protocol's hot path, built with Kysely once per database and re-run with new
// values: building and compiling a query cost as much server CPU as SQLite running it. The builder
// gets named placeholders instead of values; each placeholder becomes one bound parameter, and a call
// fills them in. Only for queries whose SQL text does not depend on the values (no IN lists of
// varying length, no optional columns): such a query must be built the ordinary way.

import { type Compilable, CompiledQuery, type DialectAdapter, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Marks a SQL text as one of a small fixed set (its values are bound, never spliced in), so a
 * dialect may prepare it once per connection (postgres/prepared.ts); a comment to the database.
 */
export const FIXED_TEXT = '/* p3s:fixed */ ';
export function isFixedText(text: string): boolean {
  return text.startsWith(FIXED_TEXT);
}

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
      const built = build(db, placeholder).compile() as CompiledQuery<RowOf<C>>;
      query = CompiledQuery.raw(FIXED_TEXT + built.sql, [...built.parameters]) as CompiledQuery<RowOf<C>>;
      compiled.set(adapter, query);
    }
    const result = await db.executeQuery<RowOf<C>>(bind(query, args));
    return result.rows as RowOf<C>[];
  };
  return { rows, first: async (db, args) => (await rows(db, args))[0] };
}

/** The compiled query with each placeholder replaced by its argument's value. */
function bind<R>(query: CompiledQuery<R>, args: object): CompiledQuery<R> {
  const parameters = query.parameters.map((p) =>
    p instanceof Placeholder ? (args as Record<string, unknown>)[p.name] : p,
  );
  return CompiledQuery.raw(query.sql, parameters) as CompiledQuery<R>;
}

export interface Shaped<S, A> {
  /** The query of `shape` (compiled on its first use per database) bound to `args`. */
  compile(db: Kysely<Database>, shape: S, args: A): CompiledQuery;
}

/**
 * Queries whose SQL text depends on a small set of shapes (which columns an UPDATE sets, which
 * states it compares on) but not on the values: each shape, named by `keyOf`, is compiled once per
 * database as `precompiled` compiles its one query, and every call only binds the values.
 */
export function precompiledShapes<S, A extends object>(
  keyOf: (shape: S) => string,
  build: (db: Kysely<Database>, arg: Arg<A>, shape: S) => Compilable<unknown>,
): Shaped<S, A> {
  const compiled = new WeakMap<DialectAdapter, Map<string, CompiledQuery>>();
  const placeholder = ((name: string) => new Placeholder(name)) as unknown as Arg<A>;
  return {
    compile(db, shape, args) {
      const adapter = db.getExecutor().adapter;
      let shapes = compiled.get(adapter);
      if (!shapes) {
        shapes = new Map();
        compiled.set(adapter, shapes);
      }
      const key = keyOf(shape);
      let query = shapes.get(key);
      if (!query) {
        query = build(db, placeholder, shape).compile();
        shapes.set(key, query);
      }
      return bind(query, args);
    },
  };
}
