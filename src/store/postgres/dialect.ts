// The PostgreSQL store dialect: a pool whose fixed texts run as named prepared statements, plain
// transactions (rows lock as they go), and the pilot protocol's one-statement paths outside any
// transaction: the long-poll's first claim, heartbeats (on a lane of the pool) and grouped solo
// finishes (on one pipelined connection).

import { Kysely, PostgresDialect } from 'kysely';
import pLimit from 'p-limit';
import pg from 'pg';
import { AppError } from '../../core/index.ts';
import { type StoreAvailability, watchedDialect } from '../availability.ts';
import type { StoreDialect } from '../dialect.ts';
import { finishBatcher } from '../finish-batcher.ts';
import type { Database } from '../schema.ts';
import { touchAndClaimPostgres } from './claim.ts';
import { finishSoloJobsPostgres } from './finish.ts';
import { heartbeatPostgres } from './heartbeat.ts';
import { pipelinedDb } from './pipeline.ts';
import { preparingPool } from './prepared.ts';
import { POSTGRES_SQL } from './sql.ts';

const PG_INT8 = 20;
const CONNECT_TIMEOUT_MS = 10_000;
// Pooled connections per server (the grouped finishes have one more, pipeline.ts). Heartbeats may
// hold at most HEARTBEAT_CONNECTIONS of them at once, so claims and finishes never queue behind a
// flood of heartbeats: a heartbeat that waits a little costs nothing (a lease lasts several beats),
// a claim that waits delays a job's start.
const POOL_SIZE = 10;
const HEARTBEAT_CONNECTIONS = 6;
/**
 * Pooled connections stay open through quiet spells of up to this long: each keeps its named
 * statements and their plans, which a new connection would prepare and plan again. Finite, so a
 * connection still goes in time (its prepared statements with it, say after a newer server's migration).
 */
const POOL_IDLE_TIMEOUT_MS = 10 * 60_000;
/** TCP keepalive after this long idle: a connection a firewall dropped meanwhile fails, rather than hangs. */
const KEEPALIVE_DELAY_MS = 60_000;
/**
 * The grouped finishes' connection runs one fixed statement, planned once, generically, at its first
 * run; by default PostgreSQL plans it afresh for each of its first five runs (docs/performance.md).
 */
export const FINISH_PLAN_CACHE_MODE = 'force_generic_plan';

/**
 * The grouped finishes' connection (pipeline.ts), set to FINISH_PLAN_CACHE_MODE once connected: a
 * SET, not a startup option, which a URL's own `options` (or PGOPTIONS) would replace.
 */
export function finishConnection(
  config: pg.ClientConfig,
  availability?: StoreAvailability,
): Kysely<Database> {
  return pipelinedDb(config, availability, [`SET plan_cache_mode = ${FINISH_PLAN_CACHE_MODE}`]);
}

/** The connection settings for `url`: epoch-ms times and counts (int8) as numbers. */
export function clientConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    // Epoch-ms times and counts are int8: numbers, not strings (they stay far below 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
}

/** Connects to PostgreSQL at `url` (checked with one query) with its dialect. */
export async function openPostgresDialect(
  url: string,
  availability: StoreAvailability,
  describe: string,
): Promise<{ db: Kysely<Database>; dialect: StoreDialect; config: pg.ClientConfig }> {
  const config = clientConfig(url);
  const pool = new pg.Pool({ ...config, max: POOL_SIZE, idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS });
  // A pooled connection that dies while idle is dropped by the pool; the next query reports the outage.
  pool.on('error', () => undefined);
  pool.on('connect', ignoreConnectionErrors);
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new AppError(
      'store_unavailable',
      `cannot connect to PostgreSQL at ${describe}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const db = new Kysely<Database>({
    dialect: watchedDialect(new PostgresDialect({ pool: preparingPool(pool) }), availability),
  });
  const finishDb = finishConnection(config, availability);
  const heartbeatLane = pLimit(HEARTBEAT_CONNECTIONS);
  const dialect: StoreDialect = {
    ...POSTGRES_SQL,
    transact: (fn) => db.transaction().execute(fn),
    migrate: (db, run) => run(db),
    touchAndClaim: (pilotUuid, leaseMs, now) => touchAndClaimPostgres(db, pilotUuid, leaseMs, now),
    heartbeat: (input) => heartbeatLane(() => heartbeatPostgres(db, input)),
    soloFinish: finishBatcher((group) => finishSoloJobsPostgres(finishDb, group)),
    databaseFile: undefined,
    close: () => finishDb.destroy(),
  };
  return { db, dialect, config };
}

/**
 * A checked-out connection whose backend goes away (terminated, the server restarting) emits
 * 'error' outside any query, and an 'error' nobody listens to ends the process. Its queries fail
 * on their own (store_unavailable), and pg-pool drops a connection that broke when it comes back.
 */
export function ignoreConnectionErrors(client: pg.ClientBase): void {
  client.on('error', () => undefined);
}
