// "Jobs may be claimable" signals: listeners in this process are called after each commit that
// may free a job; on PostgreSQL the signal also goes to other servers through NOTIFY/LISTEN.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import pg from 'pg';
import type { JobsAvailableListener } from './store.ts';
import type { Tx } from './transaction.ts';

export const JOBS_AVAILABLE_CHANNEL = 'p3s_jobs_available';
const EVENT = 'jobs-available';
const RELISTEN_DELAY_MS = 1000;

export class JobsAvailableSignal {
  readonly #emitter = new EventEmitter();
  /** Tags this process's NOTIFYs so it does not wake its own listeners twice. */
  readonly #source = randomUUID();
  /** Connection settings of the dedicated LISTEN client; undefined on SQLite. */
  readonly #listenConfig: pg.ClientConfig | undefined;
  #client: pg.Client | undefined;
  #relistenTimer: NodeJS.Timeout | undefined;
  #listenedBefore = false;
  #closed = false;

  constructor(listenConfig?: pg.ClientConfig) {
    this.#listenConfig = listenConfig;
    // Every waiting claim subscribes: hundreds of listeners are normal.
    this.#emitter.setMaxListeners(0);
  }

  subscribe(listener: JobsAvailableListener): () => void {
    this.#emitter.on(EVENT, listener);
    this.#listen();
    return () => {
      this.#emitter.off(EVENT, listener);
    };
  }

  /** Inside the write transaction: PostgreSQL delivers the NOTIFY to other servers at commit. */
  async publish(tx: Tx): Promise<void> {
    if (this.#listenConfig === undefined) return;
    await sql`select pg_notify(${JOBS_AVAILABLE_CHANNEL}, ${this.#source})`.execute(tx);
  }

  /** After the commit: wakes this process's listeners (deferred, so a throwing listener cannot fail the write). */
  emitLocal(): void {
    queueMicrotask(() => this.#emitter.emit(EVENT));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#relistenTimer);
    this.#emitter.removeAllListeners();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Opens the LISTEN connection once, on the first subscription. */
  #listen(): void {
    if (this.#listenConfig === undefined || this.#client || this.#closed) return;
    const client = new pg.Client(this.#listenConfig);
    this.#client = client;
    client.on('notification', (message) => {
      if (message.channel === JOBS_AVAILABLE_CHANNEL && message.payload !== this.#source)
        this.#emitter.emit(EVENT);
    });
    client.on('error', () => this.#relisten(client));
    client.on('end', () => this.#relisten(client));
    client
      .connect()
      .then(() => client.query(`LISTEN ${JOBS_AVAILABLE_CHANNEL}`))
      .then(() => {
        // Signals sent while the connection was down are lost: let waiting claims look again.
        if (this.#listenedBefore) this.#emitter.emit(EVENT);
        this.#listenedBefore = true;
      })
      .catch(() => this.#relisten(client));
  }

  /** The LISTEN connection failed: drop it and try again shortly (claims still poll meanwhile). */
  #relisten(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#relistenTimer = setTimeout(() => this.#listen(), RELISTEN_DELAY_MS);
    this.#relistenTimer.unref();
  }
}
