// The real p3s server in the test process, listening on 127.0.0.1: buildApp over a real SQLite
// file, started as the server's composition root does (migrate, grace active leases). It can be
// stopped (an outage: nothing listens, the database is closed) and started again on the same
// port and the same SQLite file, and runs the real lease reaper on demand with a clock set ahead.

import { P3sClient } from '../../src/protocol/client.ts';
import { type App, type AppConfig, buildApp } from '../../src/server/app.ts';
import { reapExpiredLeases } from '../../src/server/loops/lease-reaper.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createToken, TEST_APP_CONFIG } from './app.ts';

export interface RealServer {
  /** http://127.0.0.1:<port>, the same across restarts. */
  readonly url: string;
  readonly port: number;
  readonly sqlitePath: string;
  readonly config: AppConfig;
  /** A client of the running server (as the CLI would use it), with the admin token. */
  readonly client: P3sClient;
  /** An admin token (created at the first start; it lives in the SQLite file). */
  readonly adminToken: string;
  /** The running application and its store; throw while the server is stopped. */
  readonly app: App;
  readonly store: Store;
  readonly running: boolean;
  /** Stops listening and closes the database: pilots now get connection errors. */
  stop(): Promise<void>;
  /** Starts again on the same port and SQLite file. */
  start(): Promise<void>;
  /** One pass of the real lease reaper, its clock `aheadMs` in the future; resolves to the jobs lost. */
  reap(aheadMs: number, pilotTimeoutMs?: number): Promise<number>;
  /** Stops the server if it runs (the SQLite file is left to the caller). */
  close(): Promise<void>;
}

const LISTEN_ATTEMPTS = 50;
const CUT_CONNECTIONS_MS = 1000;

export async function startRealServer(options: {
  sqlitePath: string;
  config?: Partial<AppConfig>;
}): Promise<RealServer> {
  const config: AppConfig = { ...TEST_APP_CONFIG, ...options.config };
  let current: { app: App; store: Store } | null = null;
  let port = 0;
  let adminToken = '';

  const start = async (): Promise<void> => {
    if (current) throw new Error('the server is already running');
    const store = await openStore({ sqlitePath: options.sqlitePath });
    let app: App;
    try {
      await store.migrate();
      // As src/server/main.ts does: pilots could not report while the server was down.
      await store.graceActiveLeases(Date.now() + config.leaseSeconds * 1000);
      if (adminToken === '') adminToken = await createToken(store, 'admin', 'tester');
      app = await listen(() => buildApp({ store, config }), port);
    } catch (error) {
      await store.close();
      throw error;
    }
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('the server has no address');
    port = address.port;
    current = { app, store };
  };

  const stop = async (): Promise<void> => {
    const running = current;
    if (!running) return;
    current = null;
    const closing = running.app.close();
    // Close releases long-polls at once; a connection a client still keeps open a second later
    // (keep-alive after a late reply) is cut rather than holding up the outage.
    const cut = setTimeout(() => running.app.server.closeAllConnections(), CUT_CONNECTIONS_MS);
    try {
      await closing;
    } finally {
      clearTimeout(cut);
    }
    await running.store.close();
  };

  const need = () => {
    if (!current) throw new Error('the server is stopped');
    return current;
  };

  await start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    sqlitePath: options.sqlitePath,
    config,
    client: new P3sClient({ server: url, timeoutMs: 20_000, token: adminToken }),
    adminToken,
    get app() {
      return need().app;
    },
    get store() {
      return need().store;
    },
    get running() {
      return current !== null;
    },
    stop,
    start,
    reap: (aheadMs, pilotTimeoutMs = 5 * 60_000) => {
      const { app, store } = need();
      return reapExpiredLeases({
        store,
        logger: app.log,
        now: () => Date.now() + aheadMs,
        pilotTimeoutMs,
        leaseMs: config.leaseSeconds * 1000,
      });
    },
    close: stop,
  };
}

/**
 * Builds an app and listens on 127.0.0.1:`port` (0 = any); a port still held by the previous
 * server is retried for a few seconds with a fresh app.
 */
async function listen(build: () => Promise<App>, port: number): Promise<App> {
  for (let attempt = 1; ; attempt++) {
    const app = await build();
    try {
      await app.listen({ host: '127.0.0.1', port });
      return app;
    } catch (error) {
      await app.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' || port === 0 || attempt >= LISTEN_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
