// Write transactions for both dialects. SQLite takes the write lock up front (BEGIN IMMEDIATE)
// so a transaction never fails half-way on a lock upgrade; PostgreSQL locks rows as it goes.

import { resolve } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** A Kysely bound to one open transaction. */
export type Tx = Kysely<Database>;

/** Runs `fn` in one write transaction: committed when it resolves, rolled back when it throws. */
export type Transact = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

export function postgresTransact(db: Kysely<Database>): Transact {
  return (fn) => db.transaction().execute(fn);
}

export function sqliteTransact(db: Kysely<Database>, file: string): Transact {
  const key = file === ':memory:' ? undefined : resolve(file);
  const run = <T>(fn: (tx: Tx) => Promise<T>) =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        // SQLite may already have rolled back (e.g. on a full disk); the original error is what matters.
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  return (fn) => (key === undefined ? run(fn) : oneWriterAtATime(key, () => run(fn)));
}

/** The last queued write transaction per SQLite file of this process. */
const writers = new Map<string, Promise<unknown>>();

/**
 * Queues writes to one file from several stores in this process. better-sqlite3 waits for a busy
 * lock synchronously, which would block the very event loop the lock holder needs to finish.
 */
function oneWriterAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const result = (writers.get(key) ?? Promise.resolve()).then(fn);
  const done = result.catch(() => undefined);
  writers.set(key, done);
  void done.then(() => {
    if (writers.get(key) === done) writers.delete(key);
  });
  return result;
}
