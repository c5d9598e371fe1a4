// SQLite write transactions: one writer per file in this process, grouped under load
// (group-commit.ts). SQLite takes the write lock up front (BEGIN IMMEDIATE), so a transaction never
// fails half-way on a lock upgrade.

import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Transact } from '../transaction.ts';
import { groupCommitTransact } from './group-commit.ts';

/**
 * Queues writes to one file from several stores in a process. better-sqlite3 waits for a busy lock
 * synchronously, which would block the very event loop the lock holder needs to finish.
 */
export class SqliteWriters {
  /** The last queued write transaction per file. */
  readonly #last = new Map<string, Promise<unknown>>();

  run<T>(file: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.#last.get(file) ?? Promise.resolve()).then(fn);
    const done = result.catch(() => undefined);
    this.#last.set(file, done);
    void done.then(() => {
      if (this.#last.get(file) === done) this.#last.delete(file);
    });
    return result;
  }
}

/**
 * The process's writers: the one registry every SQLite store of this process shares, so that two
 * stores on one file queue instead of blocking each other (the only process-wide state of the store).
 */
export const PROCESS_SQLITE_WRITERS = new SqliteWriters();

/** `inTransaction` is the connection's own flag (better-sqlite3), which SQLite clears when it rolls back by itself. */
export function sqliteTransact(
  db: Kysely<Database>,
  file: string,
  inTransaction: () => boolean,
  writers: SqliteWriters = PROCESS_SQLITE_WRITERS,
): Transact {
  // An in-memory database belongs to its one connection: its groups queue only behind each other.
  const queue = file === ':memory:' ? new SqliteWriters() : writers;
  const key = file === ':memory:' ? file : resolve(file);
  return groupCommitTransact({ db, inTransaction, enqueue: (flush) => void queue.run(key, flush) });
}
