// PostgreSQL: one connection in pipeline mode (pg's `pipeline: true`) for the grouped solo finish
// (finish-batcher.ts). A statement written while the one before it runs waits in the server's
// input, so PostgreSQL starts it the moment the other commits, instead of idling while Node reads
// the answers, writes the HTTP replies and sends the next. Each statement keeps its own Sync: it is
// still its own transaction, and one that fails fails alone. The groups queue on this one
// connection rather than contend side by side on two (docs/performance.md).

import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { type StoreAvailability, watchedDialect } from '../availability.ts';
import type { Database } from '../schema.ts';
import { preparingClient, StatementNames } from './prepared.ts';

/**
 * A Kysely over a single pipelined connection, opened on first use and opened again after it
 * breaks (the queries in flight then fail, and the next one reconnects). Not for transactions:
 * every query that shares the connection would land in them.
 */
export function pipelinedDb(
  config: pg.ClientConfig,
  availability?: StoreAvailability,
  session: readonly string[] = [],
): Kysely<Database> {
  const dialect = new PostgresDialect({ pool: new PipelinedConnection(config, session) });
  return new Kysely<Database>({ dialect: availability ? watchedDialect(dialect, availability) : dialect });
}

/** The pool Kysely asks for connections: always the same client, never checked out exclusively. */
class PipelinedConnection implements PostgresPool {
  #client: Promise<{ pg: pg.Client; kysely: PostgresPoolClient }> | undefined;
  #ended = false;
  readonly #names = new StatementNames();

  constructor(
    private readonly config: pg.ClientConfig,
    /** Statements run on each new connection before any query (its session settings). */
    private readonly session: readonly string[],
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    if (this.#ended) throw new Error('the pipelined PostgreSQL connection is closed');
    this.#client ??= this.#open();
    return (await this.#client).kysely;
  }

  async end(): Promise<void> {
    this.#ended = true;
    const client = await this.#client?.catch(() => undefined);
    this.#client = undefined;
    await client?.pg.end().catch(() => undefined);
  }

  #open(): Promise<{ pg: pg.Client; kysely: PostgresPoolClient }> {
    const client = new pg.Client({ ...this.config, pipeline: true });
    // Kysely releases after each query; the connection stays shared, so release does nothing.
    const opened = client
      .connect()
      .then(() => Promise.all(this.session.map((statement) => client.query(statement))))
      .then(() => ({ pg: client, kysely: preparingClient(client, this.#names) }));
    const forget = () => {
      if (this.#client === opened) this.#client = undefined;
    };
    // A broken connection is dropped here; the queries it held report the failure themselves.
    client.on('error', forget);
    client.on('end', forget);
    opened.catch(forget);
    return opened;
  }
}
