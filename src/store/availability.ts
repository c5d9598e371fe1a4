// How available the database is, as the store itself sees it: every query goes through a watched
// Kysely driver, so the first query that fails because the database cannot be used (unreachable,
// restarting, disk full: classifyFailure) starts an outage and the first one the database answers
// ends it. A transient failure (SQLITE_BUSY, a pool or statement timeout) does neither. The lease
// reaper extends leases by what an outage cost the pilots (server/loops/lease-reaper.ts); health
// and the server's log say what is wrong.

import type { DatabaseConnection, Dialect, Driver, Kysely, QueryCompiler, QueryResult } from 'kysely';
import { isAppError } from '../core/index.ts';
import { toStoreError } from './store-errors.ts';

/** What makes the database unusable. */
export type StoreProblem = 'database_unreachable' | 'disk_full';

export interface StoreOutage {
  /** Epoch ms of the first failed query. */
  since: number;
  /** What the latest failure says. */
  problem: StoreProblem;
  message: string;
}

/** The outage the lease grace must still cover: failures since `since`, seen up to `at`. */
export interface PendingGrace {
  since: number;
  at: number;
}

/** SQLITE_FULL, PostgreSQL's disk_full (53100), ENOSPC: the database's disk is full. */
const DISK_FULL = /^(SQLITE_FULL|53100|ENOSPC)$/;

/**
 * Failures meaning the database cannot be used: its connection refused, reset, broken or not
 * reachable; PostgreSQL shutting down or starting (57P01 admin, 57P02 crash, 57P03 cannot connect
 * now) or any connection exception (class 08); a SQLite file that cannot be opened, read or written.
 */
const UNUSABLE_CODES =
  /^(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|57P0[123]|08.*|SQLITE_(CANTOPEN|IOERR|READONLY).*)$/;
/** pg's words for a connection that broke under a query (it gives them no code). */
const UNUSABLE_MESSAGES = [/connection terminated/i, /not queryable/i];

/**
 * What one failed query says of the database: `outage` (it cannot be used, for `problem`),
 * `transient` (it can, but this query could not now: SQLITE_BUSY or _LOCKED, a pool wait or
 * statement timeout, too many connections: counted neither way), or `answered` (an error of the
 * query itself: the database is there).
 */
export type FailureKind =
  | { kind: 'outage'; problem: StoreProblem }
  | { kind: 'transient' }
  | { kind: 'answered' };

export function classifyFailure(error: unknown): FailureKind {
  if (problemOf(error) === 'disk_full') return { kind: 'outage', problem: 'disk_full' };
  const mapped = toStoreError(error);
  if (!isAppError(mapped) || mapped.code !== 'store_unavailable') return { kind: 'answered' };
  const cause = mapped.cause !== undefined ? mapped.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  const message = cause instanceof Error ? cause.message : '';
  const unusable =
    typeof code === 'string' ? UNUSABLE_CODES.test(code) : UNUSABLE_MESSAGES.some((p) => p.test(message));
  return unusable ? { kind: 'outage', problem: 'database_unreachable' } : { kind: 'transient' };
}

export function problemOf(error: unknown): StoreProblem {
  const cause = isAppError(error) && error.cause !== undefined ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  const message = cause instanceof Error ? cause.message : '';
  return (typeof code === 'string' && DISK_FULL.test(code)) || /no space left on device/i.test(message)
    ? 'disk_full'
    : 'database_unreachable';
}

export class StoreAvailability {
  #outage: StoreOutage | null = null;
  /** The first failure not yet covered by a lease grace. */
  #ungracedSince: number | null = null;
  #lastFailureAt = Number.NEGATIVE_INFINITY;
  readonly #listeners = new Set<(event: { outage: StoreOutage; until: number | null }) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A query failed; only failures meaning "the database cannot be used" count (classifyFailure). */
  failed(error: unknown): void {
    const failure = classifyFailure(error);
    if (failure.kind === 'answered') this.answered();
    if (failure.kind !== 'outage') return;
    const now = this.now();
    this.#lastFailureAt = now;
    this.#ungracedSince ??= now;
    const started = this.#outage === null;
    const message = (toStoreError(error) as Error).message;
    this.#outage = { since: this.#outage?.since ?? now, problem: failure.problem, message };
    if (started) this.#emit(this.#outage, null);
  }

  /** The database answered (a result, or an error of the query itself): an outage is over. */
  answered(): void {
    const outage = this.#outage;
    if (outage === null) return;
    this.#outage = null;
    this.#emit(outage, this.now());
  }

  /** The outage going on now, or null while the last query was answered. */
  current(): StoreOutage | null {
    return this.#outage;
  }

  /** Failures no lease grace has covered yet, or null. */
  pendingGrace(): PendingGrace | null {
    return this.#ungracedSince === null ? null : { since: this.#ungracedSince, at: this.now() };
  }

  /** A grace computed at `pending.at` covers every failure before then; later ones stay pending. */
  graced(pending: PendingGrace): void {
    this.#ungracedSince = this.#lastFailureAt < pending.at ? null : pending.at;
  }

  /** Called when an outage starts (`until` null) and when it ends; returns the unsubscribe. */
  onChange(listener: (event: { outage: StoreOutage; until: number | null }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(outage: StoreOutage, until: number | null): void {
    for (const listener of this.#listeners) {
      try {
        listener({ outage, until });
      } catch {
        // An observer's failure must not fail the query that reported it.
      }
    }
  }
}

/** A dialect whose every query, transaction step and connection checkout reports to `availability`. */
export function watchedDialect(inner: Dialect, availability: StoreAvailability): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => inner.createIntrospector(db),
    createDriver: () => new WatchedDriver(inner.createDriver(), availability),
  };
}

type CompileQuery = QueryCompiler['compileQuery'];

function required<T>(method: T | undefined): T {
  if (method === undefined) throw new Error('this database driver has no savepoints');
  return method;
}

class WatchedDriver implements Driver {
  /** Our connection → the inner driver's, which its own methods expect back. */
  readonly #inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly availability: StoreAvailability,
  ) {}

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#watch(() => this.driver.acquireConnection());
    const watched: DatabaseConnection = {
      executeQuery: <R>(query: Parameters<DatabaseConnection['executeQuery']>[0]): Promise<QueryResult<R>> =>
        this.#watch(() => connection.executeQuery<R>(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    this.#inner.set(watched, connection);
    return watched;
  }

  beginTransaction(connection: DatabaseConnection, settings: Parameters<Driver['beginTransaction']>[1]) {
    return this.#watch(() => this.driver.beginTransaction(this.#of(connection), settings));
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.#watch(() => this.driver.commitTransaction(this.#of(connection)));
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.#watch(() => this.driver.rollbackTransaction(this.#of(connection)));
  }
  savepoint(connection: DatabaseConnection, name: string, compile: CompileQuery) {
    return this.#watch(() =>
      required(this.driver.savepoint).call(this.driver, this.#of(connection), name, compile),
    );
  }
  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: CompileQuery) {
    return this.#watch(() =>
      required(this.driver.rollbackToSavepoint).call(this.driver, this.#of(connection), name, compile),
    );
  }
  releaseSavepoint(connection: DatabaseConnection, name: string, compile: CompileQuery) {
    return this.#watch(() =>
      required(this.driver.releaseSavepoint).call(this.driver, this.#of(connection), name, compile),
    );
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.#of(connection));
  }
  destroy(): Promise<void> {
    return this.driver.destroy();
  }

  #of(connection: DatabaseConnection): DatabaseConnection {
    return this.#inner.get(connection) ?? connection;
  }

  async #watch<T>(run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.availability.answered();
      return result;
    } catch (error) {
      this.availability.failed(error);
      throw error;
    }
  }
}
