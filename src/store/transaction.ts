// Write transactions for both dialects. SQLite takes the write lock up front (BEGIN IMMEDIATE)
// so a transaction never fails half-way on a lock upgrade; PostgreSQL locks rows as it goes.

import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { groupCommitTransact } from './sqlite-group-commit.ts';

/** A Kysely bound to one open transaction. */
export type Tx = Kysely<Database>;

/** Runs `fn` in one write transaction: committed when it resolves, rolled back when it throws. */
export type Transact = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

export function postgresTransact(db: Kysely<Database>): Transact {
  return (fn) => db.transaction().execute(fn);
}

/**
 * SQLite writes, one writer per file in this process, grouped under load (sqlite-group-commit.ts).
 * `inTransaction` is the connection's own flag (better-sqlite3), which SQLite clears when it rolls back by itself.
 */
export function sqliteTransact(db: Kysely<Database>, file: string, inTransaction: () => boolean): Transact {
  const key = file === ':memory:' ? `:memory:${++memoryDatabases}` : resolve(file);
  return groupCommitTransact({
    db,
    inTransaction,
    enqueue: (flush) => void oneWriterAtATime(key, flush),
  });
}

let memoryDatabases = 0;

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
