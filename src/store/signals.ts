// The store's signals, after commits: "jobs may be claimable" (wakes waiting claims) and "the store
// changed" (wakes long-polling readers: --wait, watch, follow, the monitor). Listeners in this
// process hear them at once; on PostgreSQL other servers hear them through NOTIFY/LISTEN.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { StoreDialect } from './dialect.ts';
import type { Database } from './schema.ts';
import type { SignalKind, StoreSignalListener } from './store.ts';
import type { Tx } from './transaction.ts';

export const JOBS_AVAILABLE_CHANNEL = 'p3s_jobs_available';
export const STORE_CHANGED_CHANNEL = 'p3s_store_changed';
const CHANNELS: Record<string, SignalKind> = {
  [JOBS_AVAILABLE_CHANNEL]: 'jobs-available',
  [STORE_CHANGED_CHANNEL]: 'changed',
};
const RELISTEN_DELAY_MS = 1000;
/**
 * One "changed" NOTIFY at most this often: a change after a quiet spell goes out at once; under
 * load other servers' readers hear of changes up to this much later, and a busy server sends at
 * most fifty a second instead of one per commit (each NOTIFY is a transaction of its own).
 */
const CHANGED_NOTIFY_SPACING_MS = 20;

/** Where a PostgreSQL store's signals travel: a dedicated LISTEN client, and NOTIFYs sent through the pool. */
export interface SignalBus {
  listenConfig: pg.ClientConfig;
  db: Kysely<Database>;
}

export class StoreSignals {
  readonly #emitter = new EventEmitter();
  /** Tags this process's NOTIFYs so it does not wake its own listeners twice. */
  readonly #source = randomUUID();
  /** Undefined on SQLite: one process writes the file, local listeners are all there are. */
  readonly #bus: SignalBus | undefined;
  #client: pg.Client | undefined;
  #relistenTimer: NodeJS.Timeout | undefined;
  #listenedBefore = false;
  #closed = false;
  /** "Changed" coalesces: one local emit per turn, one NOTIFY in flight and at most one more queued. */
  #changedQueued = false;
  #notifying: Promise<void> | undefined;
  #notifyAgain = false;

  constructor(bus?: SignalBus) {
    this.#bus = bus;
    // Every waiting claim and long-poll subscribes: hundreds of listeners are normal.
    this.#emitter.setMaxListeners(0);
  }

  subscribe(kind: SignalKind, listener: StoreSignalListener): () => void {
    this.#emitter.on(kind, listener);
    this.#listen();
    return () => {
      this.#emitter.off(kind, listener);
    };
  }

  /** Inside the write transaction: PostgreSQL delivers the NOTIFY to other servers at commit. */
  async publishJobsAvailable(tx: Tx): Promise<void> {
    if (this.#bus === undefined) return;
    await sql`select pg_notify(${JOBS_AVAILABLE_CHANNEL}, ${this.#source})`.execute(tx);
  }

  /** After the commit: wakes this process's waiting claims (deferred, so a throwing listener cannot fail the write). */
  emitJobsAvailable(): void {
    queueMicrotask(() => this.#emitter.emit('jobs-available'));
  }

  /**
   * After any write commits. Sent outside the write's transaction, so the hot paths never wait on
   * PostgreSQL's notification queue; a change is told at most one NOTIFY round trip after its commit.
   */
  changed(): void {
    if (this.#closed) return;
    if (!this.#changedQueued) {
      this.#changedQueued = true;
      setImmediate(() => {
        this.#changedQueued = false;
        this.#emitter.emit('changed');
      });
    }
    if (this.#bus === undefined) return;
    if (this.#notifying) {
      this.#notifyAgain = true;
      return;
    }
    this.#notifying = this.#notifyChanged(this.#bus.db);
  }

  async #notifyChanged(db: Kysely<Database>): Promise<void> {
    for (;;) {
      this.#notifyAgain = false;
      const sent = Date.now();
      // Lost when the database is down; the readers' own deadline answers them meanwhile.
      await sql`select pg_notify(${STORE_CHANGED_CHANNEL}, ${this.#source})`
        .execute(db)
        .catch(() => undefined);
      const spacing = sent + CHANGED_NOTIFY_SPACING_MS - Date.now();
      if (spacing > 0) await new Promise((resolve) => setTimeout(resolve, spacing));
      if (!this.#notifyAgain || this.#closed) break;
    }
    this.#notifying = undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#relistenTimer);
    this.#emitter.removeAllListeners();
    await this.#notifying;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Opens the LISTEN connection once, on the first subscription. */
  #listen(): void {
    if (this.#bus === undefined || this.#client || this.#closed) return;
    const client = new pg.Client(this.#bus.listenConfig);
    this.#client = client;
    client.on('notification', (message) => {
      const kind = CHANNELS[message.channel];
      if (kind && message.payload !== this.#source) this.#emitter.emit(kind);
    });
    client.on('error', () => this.#relisten(client));
    client.on('end', () => this.#relisten(client));
    client
      .connect()
      .then(() => client.query(`LISTEN ${JOBS_AVAILABLE_CHANNEL}; LISTEN ${STORE_CHANGED_CHANNEL}`))
      .then(() => {
        // Signals sent while the connection was down are lost: let every waiter look again.
        if (this.#listenedBefore) for (const kind of Object.values(CHANNELS)) this.#emitter.emit(kind);
        this.#listenedBefore = true;
      })
      .catch(() => this.#relisten(client));
  }

  /** The LISTEN connection failed: drop it and try again shortly (waiters still meet their deadlines meanwhile). */
  #relisten(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#relistenTimer = setTimeout(() => this.#listen(), RELISTEN_DELAY_MS);
    this.#relistenTimer.unref();
  }
}

/**
 * The dialect with `changed()` after its write paths resolve: a commit is a change to the readers
 * waiting on one, whichever path (general transaction or grouped report) made it. Not the ones that
 * move nothing a reader waits on: a claim that found no job (a touch of the pilot), a heartbeat
 * (lease and metrics); the store's quiet writes (SqlStore) are the general paths of the same.
 */
export function signallingWrites(dialect: StoreDialect, signals: StoreSignals): StoreDialect {
  const after = <T>(result: Promise<T>, told: (value: T) => boolean = () => true): Promise<T> =>
    result.then((value) => {
      if (told(value)) signals.changed();
      return value;
    });
  return {
    ...dialect,
    transact: (fn) => after(dialect.transact(fn)),
    touchAndClaim: (...args) =>
      after(dialect.touchAndClaim(...args), (touched) => touched?.row !== undefined),
    soloFinish: (finish) => after(dialect.soloFinish(finish)),
  };
}
