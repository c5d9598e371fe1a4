// Composition root of the server process: options → store (migrated) → app → listen,
// plus the background loops; close() undoes it all in reverse order.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import pino from 'pino';
import { DEFAULTS } from '../core/defaults.ts';
import { defaultReadPolicy, exposureProblem, LIMIT_DEFAULTS } from '../core/index.ts';
import { P3S_VERSION } from '../core/version.ts';
import { openStore } from '../store/open-store.ts';
import { buildApp } from './app.ts';
import { dataDirExposure, ensureAdminToken, tokenFileExposure } from './auth/bootstrap.ts';
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

/** Fills unset options with the documented defaults. */
export function serverOptions(partial: Partial<ServerOptions> & { dataDir: string }): ServerOptions {
  return {
    host: DEFAULTS.host,
    port: DEFAULTS.port,
    logLevel: 'info',
    leaseSeconds: DEFAULTS.leaseSeconds,
    pilotTimeoutSeconds: DEFAULTS.pilotTimeoutSeconds,
    reaperIntervalMs: DEFAULTS.reaperIntervalMs,
    dispatchTimeoutSeconds: DEFAULTS.dispatchTimeoutSeconds,
    maxClaimWaitSeconds: DEFAULTS.maxClaimWaitSeconds,
    logHeadBytes: DEFAULTS.logHeadBytes,
    logTailBytes: DEFAULTS.logTailBytes,
    writeServerInfo: true,
    ...partial,
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = pino(
    {
      level: options.logLevel,
      base: { proc: 'server' },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    logDestination(),
  );
  const problem = exposureProblem({
    host: options.host,
    tls: options.tls !== undefined,
    insecureHttp: options.insecureHttp === true,
  });
  if (problem) throw new Error(problem);
  // Read before opening anything: a missing key file is a clear error, not a half-started server.
  const https = options.tls && {
    cert: readFileSync(options.tls.certFile),
    key: readFileSync(options.tls.keyFile),
  };
  // Parses both and checks they belong together (throws on a non-PEM file or a mismatched key).
  if (https) createSecureContext(https);
  const readPolicy = options.readPolicy ?? defaultReadPolicy(options.host);
  const limits = { ...LIMIT_DEFAULTS, ...options.limits };
  mkdirSync(options.dataDir, { recursive: true, mode: DEFAULTS.dataDirMode });
  const openDir = dataDirExposure(options.dataDir);
  if (openDir)
    logger.warn(
      { dir: options.dataDir },
      `the data dir is ${openDir}: it holds the database, the tokens and the pilots' logs; chmod 700 ${options.dataDir}`,
    );
  const adminTokenFile = join(options.dataDir, DEFAULTS.adminTokenFile);
  const store = await openStore({
    databaseUrl: options.databaseUrl,
    sqlitePath: join(options.dataDir, DEFAULTS.databaseFile),
  });
  try {
    await store.migrate();
    // Pilots could not report while we were down: give them one lease to check back in (the same
    // rule as after a database outage, lease-reaper.ts, with the downtime unknown).
    const graced = await store.graceActiveLeases(Date.now() + options.leaseSeconds * 1000);
    if (graced > 0) logger.info({ jobs: graced }, 'extended leases of jobs that were active at startup');
    const admin = await ensureAdminToken(store.auth, adminTokenFile, Date.now());
    if (admin.created)
      logger.info({ file: adminTokenFile, name: admin.name }, 'wrote a new admin token for local use');
    const exposed = tokenFileExposure(adminTokenFile);
    if (exposed)
      logger.warn(
        { file: adminTokenFile },
        `the admin token file is ${exposed}: anyone who reads it acts as admin; chmod 600 ${adminTokenFile}`,
      );
  } catch (error) {
    await store.close();
    throw error;
  }

  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({
      store,
      logger,
      config: {
        leaseSeconds: options.leaseSeconds,
        maxClaimWaitSeconds: options.maxClaimWaitSeconds,
        logHeadBytes: options.logHeadBytes,
        logTailBytes: options.logTailBytes,
        bodyLimit: limits.bodyBytes,
        version: P3S_VERSION,
        readPolicy,
        maxJobsPerSubmission: limits.maxJobsPerSubmission,
        maxEnvBytes: limits.maxEnvBytes,
        maxClaimsPerToken: limits.maxClaimsPerToken,
      },
      ...(https ? { https } : {}),
      // --insecure-http declares a TLS proxy in front: the monitor's cookie is then still Secure.
      trustProxy: options.insecureHttp === true,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
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
  const url = `${https ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

  // The operator's record of database outages: when the store's queries started failing, and for how long.
  const unwatch = store.availability.onChange(({ outage, until }) => {
    if (until === null)
      logger.error({ problem: outage.problem, error: outage.message }, 'database unavailable');
    else
      logger.warn(
        { problem: outage.problem, seconds: (until - outage.since) / 1000 },
        'database available again',
      );
  });
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
        leaseMs: options.leaseSeconds * 1000,
        dispatchTimeoutMs:
          options.dispatchTimeoutSeconds === 0 ? null : options.dispatchTimeoutSeconds * 1000,
      });
    },
    onError: (error) => logger.error({ err: error }, 'lease reaper failed'),
  });
  // Expired idempotency keys go (a re-send after 24 h creates anew, as documented).
  const keys = runLoop({
    name: 'idempotency-keys',
    intervalMs: IDEMPOTENCY_PRUNE_MS,
    signal: stop.signal,
    tick: async () => {
      await store.pruneIdempotencyKeys(Date.now());
    },
    onError: (error) => logger.error({ err: error }, 'pruning idempotency keys failed'),
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
  logger.info({ url, store: store.dialect, dataDir: options.dataDir, readPolicy }, 'p3s server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    adminTokenFile,
    close: () => {
      closing ??= (async () => {
        stop.abort();
        await reaper;
        await keys;
        await retention;
        await app.close();
        unwatch();
        await store.close();
        if (options.writeServerInfo) rmSync(infoFile, { force: true });
        logger.info('p3s server stopped');
      })();
      return closing;
    },
  };
}

/** How often expired idempotency keys are deleted. */
const IDEMPOTENCY_PRUNE_MS = 10 * 60 * 1000;

/** Log lines held while stdout cannot be written (a full disk): beyond this, new lines are dropped. */
const LOG_BACKLOG_BYTES = 4 * 1024 * 1024;

/** The server's log on stdout. A full disk or a closed pipe under it costs log lines, never the server. */
function logDestination() {
  const destination = pino.destination({ dest: 1, minLength: 0, maxLength: LOG_BACKLOG_BYTES });
  destination.on('error', () => undefined);
  return destination;
}
