// `p3s server`: runs the server in the foreground until SIGINT/SIGTERM, then closes it cleanly.

import { mkdirSync } from 'node:fs';
import { type Command, Option } from '@commander-js/extra-typings';
import { DEFAULTS } from '../../core/defaults.ts';
import { formatDurationText } from '../../core/duration.ts';
import type { ServerOptions } from '../../server/options.ts';
import { intArg, positiveDurationArg } from '../args.ts';
import {
  describeDatabase,
  resolveDatabaseUrl,
  resolveDataDir,
  resolveHost,
  resolvePort,
} from '../settings.ts';
import { exitSoon, waitForStopSignal } from '../signals.ts';
import { output } from './common.ts';
import { LOG_LEVELS } from './pilot.ts';

export interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  lease?: number;
  pilotTimeout?: number;
  purgeAfter?: number;
  purgeEvery?: number;
  logLevel: string;
}

/** ServerOptions from flags and environment (P3S_HOME, P3S_PORT, P3S_DATABASE_URL). */
export function serverOptionsFrom(
  flags: ServerFlags,
  env: Record<string, string | undefined> = process.env,
): ServerOptions {
  const databaseUrl = resolveDatabaseUrl(flags.databaseUrl, env);
  return {
    host: resolveHost(flags.host),
    port: resolvePort(flags.port, env),
    dataDir: resolveDataDir(flags.dataDir, env),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    logLevel: flags.logLevel,
    leaseSeconds: flags.lease ?? DEFAULTS.leaseSeconds,
    pilotTimeoutSeconds: flags.pilotTimeout ?? DEFAULTS.pilotTimeoutSeconds,
    reaperIntervalMs: DEFAULTS.reaperIntervalMs,
    maxClaimWaitSeconds: DEFAULTS.maxClaimWaitSeconds,
    logHeadBytes: DEFAULTS.logHeadBytes,
    logTailBytes: DEFAULTS.logTailBytes,
    writeServerInfo: true,
    ...(flags.purgeAfter === undefined ? {} : { purgeAfterSeconds: flags.purgeAfter }),
    ...(flags.purgeEvery === undefined ? {} : { purgeEverySeconds: flags.purgeEvery }),
  };
}

/** The flags `p3s server` and `p3s up` share. */
export const hostOption = () =>
  new Option('--host <host>', `address to listen on (default: ${DEFAULTS.host})`);
export const portOption = () =>
  new Option(
    '--port <port>',
    `port to listen on (default: $P3S_PORT or ${DEFAULTS.port}; 0 = any free port)`,
  );
export const databaseOption = () =>
  new Option(
    '--database-url <url>',
    'postgres://… to use PostgreSQL (default: $P3S_DATABASE_URL, else SQLite in the data dir)',
  );
export const serverDataDirOption = () =>
  new Option(
    '--data-dir <dir>',
    'data directory for the database, server.json and logs (default: $P3S_HOME or ~/.p3s)',
  );

/** Retention flags (`p3s server`, `p3s up`). */
export const purgeAfterOption = () =>
  new Option(
    '--purge-after <duration>',
    'purge ended jobs, workflows and stopped/lost pilots older than this (e.g. 30d); default: never',
  ).argParser(positiveDurationArg);
export const purgeEveryOption = () =>
  new Option(
    '--purge-every <duration>',
    'how often to purge when --purge-after is set (default: 1h)',
  ).argParser(positiveDurationArg);

/** Starts the server code (loaded on demand so client commands stay light). */
export async function launchServer(options: ServerOptions) {
  mkdirSync(options.dataDir, { recursive: true });
  const { startServer } = await import('../../server/main.ts');
  return startServer(options);
}

export function addServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the p3s server in the foreground (Ctrl-C stops it)')
    .addOption(hostOption())
    .addOption(portOption())
    .addOption(serverDataDirOption())
    .addOption(databaseOption())
    .addOption(
      new Option('--lease <s>', 'seconds a claimed job stays leased without a heartbeat')
        .argParser(intArg(1, 86_400))
        .default(DEFAULTS.leaseSeconds as number),
    )
    .addOption(
      new Option('--pilot-timeout <s>', 'seconds of silence after which a pilot counts as lost')
        .argParser(intArg(1, 31_536_000))
        .default(DEFAULTS.pilotTimeoutSeconds as number),
    )
    .addOption(purgeAfterOption())
    .addOption(purgeEveryOption())
    .addOption(
      new Option('--log-level <level>', 'server log level').choices(LOG_LEVELS).default('info' as const),
    )
    .action(async (opts) => {
      const out = output({});
      const options = serverOptionsFrom(opts);
      const server = await launchServer(options);
      out.line(`p3s server listening on ${server.url}`);
      out.line(`  data dir  ${options.dataDir}`);
      out.line(`  database  ${describeDatabase(options.databaseUrl, options.dataDir)}`);
      if (options.purgeAfterSeconds !== undefined) {
        const every = options.purgeEverySeconds ?? DEFAULTS.purgeEverySeconds;
        out.line(
          `  retention purge ended records older than ${formatDurationText(options.purgeAfterSeconds)}, every ${formatDurationText(every)}`,
        );
      }
      const signal = await waitForStopSignal();
      out.note(`p3s: ${signal}, stopping the server`);
      await server.close();
      exitSoon();
    });
}
