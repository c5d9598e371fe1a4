import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Arg, precompiledShapes } from './precompiled.ts';
import type { Database } from './schema.ts';

let database: BetterSqlite3.Database;
let db: Kysely<Database>;

beforeEach(() => {
  database = new BetterSqlite3(':memory:');
  database.exec(
    'CREATE TABLE pilots (id INTEGER PRIMARY KEY, state TEXT NOT NULL, host TEXT, jobs_run INTEGER NOT NULL DEFAULT 0)',
  );
  database.exec("INSERT INTO pilots (id, state, host) VALUES (1, 'idle', 'a'), (2, 'running', 'b')");
  db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
});

afterEach(async () => {
  await db.destroy();
});

type Shape = { columns: ('state' | 'host' | 'jobs_run')[]; states: string[] };

/** An UPDATE of the given columns on pilots in the given states, counting how often it is built. */
function updates() {
  const built: string[] = [];
  const shapes = precompiledShapes(
    (shape: Shape) => `${shape.columns.join()}|${shape.states.join()}`,
    (kdb, arg: Arg<Record<string, unknown>>, shape) => {
      built.push(`${shape.columns.join()}|${shape.states.join()}`);
      const set = Object.fromEntries(shape.columns.map((c) => [c, arg(`set:${c}`)]));
      return kdb
        .updateTable('pilots')
        .set(set)
        .where('id', '=', arg('id') as number)
        .where('state', 'in', shape.states as never[])
        .returning(['id', 'state', 'host', 'jobs_run']);
    },
  );
  return { shapes, built };
}

describe('precompiledShapes', () => {
  it('builds each shape once and binds new values on every call', async () => {
    const { shapes, built } = updates();
    const run = async (shape: Shape, args: Record<string, unknown>) =>
      (await db.executeQuery(shapes.compile(db, shape, args))).rows;
    const hostOnly: Shape = { columns: ['host'], states: ['idle'] };
    expect(await run(hostOnly, { id: 1, 'set:host': 'x' })).toEqual([
      { id: 1, state: 'idle', host: 'x', jobs_run: 0 },
    ]);
    expect(await run(hostOnly, { id: 1, 'set:host': 'y' })).toEqual([
      { id: 1, state: 'idle', host: 'y', jobs_run: 0 },
    ]);
    // The states compared on are part of the shape: pilot 2 is running, so only the second shape matches it.
    expect(await run(hostOnly, { id: 2, 'set:host': 'z' })).toEqual([]);
    const running: Shape = { columns: ['host', 'jobs_run'], states: ['running'] };
    expect(await run(running, { id: 2, 'set:host': 'z', 'set:jobs_run': 3 })).toEqual([
      { id: 2, state: 'running', host: 'z', jobs_run: 3 },
    ]);
    expect(built).toEqual(['host|idle', 'host,jobs_run|running']);
  });

  it('compiles a shape again for another dialect', () => {
    const { shapes, built } = updates();
    const pg = new Kysely<Database>({ dialect: new PostgresDialect({ pool: {} as never }) });
    const shape: Shape = { columns: ['state'], states: ['idle'] };
    const sqlite = shapes.compile(db, shape, { id: 1, 'set:state': 'lost' });
    const postgres = shapes.compile(pg, shape, { id: 1, 'set:state': 'lost' });
    expect(sqlite.sql).toContain('?');
    expect(postgres.sql).toContain('$1');
    expect(postgres.parameters).toEqual(['lost', 1, 'idle']);
    expect(built).toHaveLength(2);
  });
});
