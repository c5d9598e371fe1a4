// The SQLite store dialect: opens the file (WAL, a checkpointer thread, cached statements), runs
// write transactions one writer at a time with group commit, and groups the pilot protocol's
// heartbeats and solo finishes read in one turn of the event loop into one write each.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AppError } from '../../core/index.ts';
import { type StoreAvailability, watchedDialect } from '../availability.ts';
import type { SampledBeat, StoreDialect } from '../dialect.ts';
import { keysOf, turnBatcher } from '../finish-batcher.ts';
import type { Database } from '../schema.ts';
import { checkpointerFor } from './checkpointer.ts';
import { finishSoloJobsSqlite } from './finish.ts';
import { heartbeatJobsSqlite } from './heartbeat.ts';
import { SQLITE_SQL } from './sql.ts';
import { cachingDatabase } from './statement-cache.ts';
import { type SqliteWriters, sqliteTransact } from './transact.ts';

/** Opens the SQLite file at `path` (`:memory:` allowed) with its dialect. */
export function openSqliteDialect(
  path: string,
  availability: StoreAvailability,
  writers: SqliteWriters,
): { db: Kysely<Database>; dialect: StoreDialect } {
  const database = openFile(path);
  const db = new Kysely<Database>({
    dialect: watchedDialect(new SqliteDialect({ database: cachingDatabase(database) }), availability),
  });
  const checkpointer = checkpointerFor(path);
  const transact = sqliteTransact(db, path, () => database.inTransaction, writers);
  const heartbeats = turnBatcher(
    (group: readonly SampledBeat[]) => transact((tx) => heartbeatJobsSqlite(tx, group)),
    (beat) => [`pilot:${beat.pilotUuid}`, `job:${beat.jobId}`],
  );
  const finishes = turnBatcher((group) => transact((tx) => finishSoloJobsSqlite(tx, group)), keysOf);
  const dialect: StoreDialect = {
    ...SQLITE_SQL,
    transact,
    // Kysely runs SQLite migrations without a transaction: BEGIN IMMEDIATE makes them atomic and exclusive.
    migrate: (_db, run) => transact(run),
    // A long-poll's first claim has no grouped form on SQLite: the general transaction is as short.
    touchAndClaim: async () => undefined,
    heartbeat: heartbeats,
    soloFinish: finishes,
    databaseFile: path === ':memory:' ? undefined : path,
    close: async () => checkpointer?.stop(),
  };
  return { db, dialect };
}

function openFile(path: string): BetterSqlite3.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new BetterSqlite3(path);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    // A worker thread checkpoints (checkpointer.ts); the automatic checkpoint, which runs on the
    // event loop, is only the safety net: ten times SQLite's default threshold.
    database.pragma('wal_autocheckpoint = 10000');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    return database;
  } catch (error) {
    throw new AppError(
      'store_unavailable',
      `cannot open the SQLite database ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
