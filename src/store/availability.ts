// How available the database is, as the store itself sees it: every query goes through a watched
// Kysely driver, so the first query that fails because the database cannot be used (unreachable,
// restarting, disk full: classifyFailure) starts an outage and the first one the database answers
// ends it. A transient failure (SQLITE_BUSY, a pool or statement timeout) does neither. The lease
// reaper extends leases by what an outage cost the pilots (server/loops/lease-reaper.ts); health
// and the server's log say what is wrong.

import type { DatabaseConnection, Dialect, Driver, Kysely, QueryCompiler, QueryResult } from 'kysely';
import { toStoreError, unavailability } from './store-errors.ts';

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

/**
 * What one failed query says of the database (the rule: `unavailability` in store-errors.ts):
 * `outage` (it cannot be used, for `problem`), `transient` (it can, but this query could not now:
 * counted neither way), or `answered` (an error of the query itself: the database is there).
 */
export type FailureKind =
  | { kind: 'outage'; problem: StoreProblem }
  | { kind: 'transient' }
  | { kind: 'answered' };

export function classifyFailure(error: unknown): FailureKind {
  switch (unavailability(error)) {
    case 'disk_full':
      return { kind: 'outage', problem: 'disk_full' };
    case 'unusable':
      return { kind: 'outage', problem: 'database_unreachable' };
    case 'transient':
      return { kind: 'transient' };
    case null:
      return { kind: 'answered' };
  }
}

export function problemOf(error: unknown): StoreProblem {
  return unavailability(error) === 'disk_full' ? 'disk_full' : 'database_unreachable';
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
