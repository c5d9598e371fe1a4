// Opens the Store the settings ask for: PostgreSQL for a postgres:// URL, otherwise a SQLite
// file (parent folders created; `:memory:` allowed). Call `migrate()` before use.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pLimit from 'p-limit';
import pg from 'pg';
import { AppError } from '../core/index.ts';
import { StoreAvailability, watchedDialect } from './availability.ts';
import { JobsAvailableSignal } from './jobs-available.ts';
import { pipelinedDb } from './pg-pipeline.ts';
import { prepareMarkedQueries } from './pg-prepared.ts';
import type { Database } from './schema.ts';
import { SqlStore } from './sql-store.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { cachePreparedStatements } from './statement-cache.ts';
import type { Store } from './store.ts';
import { postgresTransact, sqliteTransact } from './transaction.ts';

export interface OpenStoreOptions {
  /** postgres://… or postgresql://… selects PostgreSQL. */
  databaseUrl?: string;
  /** SQLite file used when no database URL is given. */
  sqlitePath?: string;
}

const PG_INT8 = 20;
const CONNECT_TIMEOUT_MS = 10_000;
// Pooled PostgreSQL connections per server (the grouped finishes have one more, pg-pipeline.ts).
// Heartbeats may hold at most HEARTBEAT_CONNECTIONS of them at once, so claims and finishes never
// queue behind a flood of heartbeats: a heartbeat that waits a little costs nothing (a lease lasts
// several beats), a claim that waits delays a job's start.
const POOL_SIZE = 10;
const HEARTBEAT_CONNECTIONS = 6;

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.databaseUrl?.trim();
  if (url) {
    if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(url);
    throw new AppError(
      'store_unavailable',
      `unsupported database URL scheme in ${describeUrl(url)}: use postgres://`,
    );
  }
  if (!options.sqlitePath)
    throw new AppError('store_unavailable', 'no database: give a PostgreSQL URL or a SQLite path');
  return openSqlite(options.sqlitePath);
}

function openSqlite(path: string): Store {
  let database: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    database = new BetterSqlite3(path);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    // A worker thread checkpoints (sqlite-checkpointer.ts); the automatic checkpoint, which runs on
    // the event loop, is only the safety net (10,000 pages, 40 MB, instead of 1,000).
    database.pragma('wal_autocheckpoint = 10000');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
  } catch (error) {
    throw new AppError(
      'store_unavailable',
      `cannot open the SQLite database ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  cachePreparedStatements(database);
  const availability = new StoreAvailability();
  const db = new Kysely<Database>({ dialect: watchedDialect(new SqliteDialect({ database }), availability) });
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(path);
  return new SqlStore(
    db,
    'sqlite',
    sqliteTransact(db, path, () => database.inTransaction),
    new JobsAvailableSignal(),
    {
      availability,
      onClose: async () => checkpointer?.stop(),
      sqliteFile: path === ':memory:' ? undefined : path,
    },
  );
}

async function openPostgres(url: string): Promise<Store> {
  const config: pg.ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Epoch-ms times and counts are int8: numbers, not strings (they stay far below 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
  const pool = new pg.Pool({ ...config, max: POOL_SIZE });
  // A pooled connection that dies while idle is dropped by the pool; the next query reports the outage.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    ignoreConnectionErrors(client);
    prepareMarkedQueries(client);
  });
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new AppError(
      'store_unavailable',
      `cannot connect to PostgreSQL at ${describeUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const availability = new StoreAvailability();
  const db = new Kysely<Database>({ dialect: watchedDialect(new PostgresDialect({ pool }), availability) });
  return new SqlStore(db, 'postgres', postgresTransact(db), new JobsAvailableSignal(config), {
    availability,
    heartbeatLane: pLimit(HEARTBEAT_CONNECTIONS),
    finishDb: pipelinedDb(config, availability),
  });
}

/**
 * A checked-out connection whose backend goes away (terminated, the server restarting) emits
 * 'error' outside any query, and an 'error' nobody listens to ends the process. Its queries fail
 * on their own (store_unavailable), and pg-pool drops a connection that broke when it comes back.
 */
export function ignoreConnectionErrors(client: pg.ClientBase): void {
  client.on('error', () => undefined);
}

/** host:port/database of a URL, never its credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'the given URL';
  }
}
