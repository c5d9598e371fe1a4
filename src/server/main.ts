// Composition root of the server process: options → store (migrated) → app → listen,
// plus the background loops; close() undoes it all in reverse order.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULTS } from '../core/defaults.ts';
import { P3S_VERSION } from '../core/version.ts';
import { openStore } from '../store/open-store.ts';
import { buildApp } from './app.ts';
import { reapExpiredLeases } from './loops/lease-reaper.ts';
import { purgeExpired } from './loops/retention.ts';
import { runLoop } from './loops/run-loop.ts';
import type { RunningServer, ServerOptions } from './options.ts';

export {
  checkSqliteDriver,
  type DatabaseInspection,
  inspectDatabase,
} from '../store/inspect-store.ts';
export type { RunningServer, ServerOptions } from './options.ts';

export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** Fills unset options with the documented defaults. */
export function serverOptions(partial: Partial<ServerOptions> & { dataDir: string }): ServerOptions {
  return {
    host: DEFAULTS.host,
    port: DEFAULTS.port,
    logLevel: 'info',
    leaseSeconds: DEFAULTS.leaseSeconds,
    pilotTimeoutSeconds: DEFAULTS.pilotTimeoutSeconds,
    reaperIntervalMs: DEFAULTS.reaperIntervalMs,
    maxClaimWaitSeconds: DEFAULTS.maxClaimWaitSeconds,
    logHeadBytes: DEFAULTS.logHeadBytes,
    logTailBytes: DEFAULTS.logTailBytes,
    writeServerInfo: true,
    ...partial,
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = pino({ level: options.logLevel, base: { proc: 'server' } });
  mkdirSync(options.dataDir, { recursive: true });
  const store = await openStore({
    databaseUrl: options.databaseUrl,
    sqlitePath: join(options.dataDir, DEFAULTS.databaseFile),
  });
  try {
    await store.migrate();
    // Pilots could not report while we were down: give them one lease to check back in.
    const graced = await store.graceActiveLeases(Date.now() + options.leaseSeconds * 1000);
    if (graced > 0) logger.info({ jobs: graced }, 'extended leases of jobs that were active at startup');
  } catch (error) {
    await store.close();
    throw error;
  }

  const app = await buildApp({
    store,
    logger,
    config: {
      leaseSeconds: options.leaseSeconds,
      maxClaimWaitSeconds: options.maxClaimWaitSeconds,
      logHeadBytes: options.logHeadBytes,
      logTailBytes: options.logTailBytes,
      bodyLimit: BODY_LIMIT_BYTES,
      version: P3S_VERSION,
    },
  });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

  const stop = new AbortController();
  const reaper = runLoop({
    name: 'lease-reaper',
    intervalMs: options.reaperIntervalMs,
    signal: stop.signal,
    tick: async () => {
      await reapExpiredLeases({
        store,
        logger,
        now: Date.now,
        pilotTimeoutMs: options.pilotTimeoutSeconds * 1000,
      });
    },
    onError: (error) => logger.error({ err: error }, 'lease reaper failed'),
  });
  const purgeAfter = options.purgeAfterSeconds;
  const retention =
    purgeAfter === undefined
      ? Promise.resolve()
      : runLoop({
          name: 'retention',
          intervalMs: (options.purgeEverySeconds ?? DEFAULTS.purgeEverySeconds) * 1000,
          signal: stop.signal,
          tick: async () => {
            await purgeExpired({ store, logger, now: Date.now, purgeAfterMs: purgeAfter * 1000 });
          },
          onError: (error) => logger.error({ err: error }, 'retention purge failed'),
        });

  const infoFile = join(options.dataDir, DEFAULTS.serverInfoFile);
  if (options.writeServerInfo) {
    writeFileSync(
      infoFile,
      `${JSON.stringify({ url, pid: process.pid, startedAt: Date.now(), store: store.dialect })}\n`,
    );
  }
  logger.info({ url, store: store.dialect, dataDir: options.dataDir }, 'p3s server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        stop.abort();
        await reaper;
        await retention;
        await app.close();
        await store.close();
        if (options.writeServerInfo) rmSync(infoFile, { force: true });
        logger.info('p3s server stopped');
      })();
      return closing;
    },
  };
}
