// `p3s server`: runs the server in the foreground until SIGINT/SIGTERM, then closes it cleanly.
// Also the server flags `p3s up` shares: where to listen, the database, retention, TLS, the read
// policy and the request limits.

import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option, type OptionValues } from '@commander-js/extra-typings';
import { READ_POLICIES, type ReadPolicy } from '../../core/auth.ts';
import { DEFAULTS } from '../../core/defaults.ts';
import { formatDurationText } from '../../core/duration.ts';
import { defaultReadPolicy } from '../../core/exposure.ts';
import { LIMIT_DEFAULTS } from '../../core/limits.ts';
import { FACTORY_DEFAULTS } from '../../factory/options.ts';
import type { RunningServer, ServerOptions } from '../../server/options.ts';
import { bytesArg, intArg, positiveDurationArg } from '../args.ts';
import { CliError } from '../errors.ts';
import {
  describeDatabase,
  resolveDatabaseUrl,
  resolveDataDir,
  resolveHost,
  resolvePort,
} from '../settings.ts';
import { exitSoon, waitForStopSignal } from '../signals.ts';
import { output } from './common.ts';
import { factoryOptionsFrom } from './factory.ts';
import { LOG_LEVELS } from './pilot.ts';

export interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  lease?: number;
  pilotTimeout?: number;
  dispatchTimeout?: number;
  purgeAfter?: number;
  purgeEvery?: number;
  logLevel: string;
  readPolicy?: ReadPolicy;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: true;
  maxBody?: number;
  maxJobsPerSubmission?: number;
  maxEnvBytes?: number;
  maxClaimsPerToken?: number;
}

type Env = Record<string, string | undefined>;

/**
 * ServerOptions from flags and environment (P3S_HOME, P3S_PORT, P3S_DATABASE_URL,
 * P3S_READ_POLICY, P3S_TLS_CERT, P3S_TLS_KEY). Throws CliError for a bad combination.
 */
export function serverOptionsFrom(flags: ServerFlags, env: Env = process.env): ServerOptions {
  const databaseUrl = resolveDatabaseUrl(flags.databaseUrl, env);
  const readPolicy = resolveReadPolicy(flags.readPolicy, env);
  const tls = resolveTls(flags, env);
  const limits = limitsFrom(flags);
  return {
    host: resolveHost(flags.host),
    port: resolvePort(flags.port, env),
    dataDir: resolveDataDir(flags.dataDir, env),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    logLevel: flags.logLevel,
    leaseSeconds: flags.lease ?? DEFAULTS.leaseSeconds,
    pilotTimeoutSeconds: flags.pilotTimeout ?? DEFAULTS.pilotTimeoutSeconds,
    dispatchTimeoutSeconds: flags.dispatchTimeout ?? DEFAULTS.dispatchTimeoutSeconds,
    reaperIntervalMs: DEFAULTS.reaperIntervalMs,
    maxClaimWaitSeconds: DEFAULTS.maxClaimWaitSeconds,
    logHeadBytes: DEFAULTS.logHeadBytes,
    logTailBytes: DEFAULTS.logTailBytes,
    writeServerInfo: true,
    ...(flags.purgeAfter === undefined ? {} : { purgeAfterSeconds: flags.purgeAfter }),
    ...(flags.purgeEvery === undefined ? {} : { purgeEverySeconds: flags.purgeEvery }),
    ...(readPolicy === undefined ? {} : { readPolicy }),
    ...(tls === undefined ? {} : { tls }),
    ...(flags.insecureHttp ? { insecureHttp: true } : {}),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
  };
}

/** `--read-policy` > `P3S_READ_POLICY`; undefined lets the server choose by its address. */
export function resolveReadPolicy(
  flag: ReadPolicy | undefined,
  env: Env = process.env,
): ReadPolicy | undefined {
  if (flag !== undefined) return flag;
  const fromEnv = env.P3S_READ_POLICY?.trim();
  if (!fromEnv) return undefined;
  const policy = READ_POLICIES.find((p) => p === fromEnv);
  if (policy === undefined)
    throw new CliError(`P3S_READ_POLICY must be ${READ_POLICIES.join(' or ')}, got "${fromEnv}"`, {
      exitCode: 2,
    });
  return policy;
}

/** `--tls-cert`/`--tls-key` > `P3S_TLS_CERT`/`P3S_TLS_KEY`: both or neither, each a readable file. */
export function resolveTls(
  flags: { tlsCert?: string; tlsKey?: string },
  env: Env = process.env,
): { certFile: string; keyFile: string } | undefined {
  const cert = flags.tlsCert ?? (env.P3S_TLS_CERT?.trim() || undefined);
  const key = flags.tlsKey ?? (env.P3S_TLS_KEY?.trim() || undefined);
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined)
    throw new CliError(
      `${cert === undefined ? '--tls-key' : '--tls-cert'} needs ${cert === undefined ? '--tls-cert' : '--tls-key'} too: give both (or P3S_TLS_CERT and P3S_TLS_KEY), or neither for plain HTTP`,
      { exitCode: 2 },
    );
  const tls = { certFile: resolve(cert), keyFile: resolve(key) };
  for (const [file, what] of [
    [tls.certFile, 'certificate (--tls-cert)'],
    [tls.keyFile, 'key (--tls-key)'],
  ] as const) {
    try {
      readFileSync(file);
    } catch (error) {
      throw new CliError(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
    }
  }
  return tls;
}

/** The limits given as flags; the others stay the server's defaults. */
function limitsFrom(flags: ServerFlags): NonNullable<ServerOptions['limits']> {
  return {
    ...(flags.maxBody === undefined ? {} : { bodyBytes: flags.maxBody }),
    ...(flags.maxJobsPerSubmission === undefined ? {} : { maxJobsPerSubmission: flags.maxJobsPerSubmission }),
    ...(flags.maxEnvBytes === undefined ? {} : { maxEnvBytes: flags.maxEnvBytes }),
    ...(flags.maxClaimsPerToken === undefined ? {} : { maxClaimsPerToken: flags.maxClaimsPerToken }),
  };
}

/** Adds the access and limit flags `p3s server` and `p3s up` share. */
export function withSecurityOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
) {
  return cmd
    .addOption(
      new Option(
        '--read-policy <policy>',
        'open: anyone who can connect reads jobs and pilots; token: reads need a token too (default: $P3S_READ_POLICY, else open on loopback, token elsewhere)',
      ).choices(READ_POLICIES),
    )
    .addOption(
      new Option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (default: $P3S_TLS_CERT)'),
    )
    .addOption(new Option('--tls-key <file>', "the certificate's PEM private key (default: $P3S_TLS_KEY)"))
    .addOption(
      new Option(
        '--insecure-http',
        'listen beyond loopback over plain HTTP (only behind a TLS-terminating proxy)',
      ),
    )
    .addOption(
      new Option(
        '--max-body <bytes>',
        `largest request body, e.g. 16MiB (default: ${LIMIT_DEFAULTS.bodyBytes / 1024 / 1024}MiB)`,
      ).argParser(bytesArg(1024)),
    )
    .addOption(
      new Option(
        '--max-jobs-per-submission <n>',
        `most jobs one submission may hold (default: ${LIMIT_DEFAULTS.maxJobsPerSubmission})`,
      ).argParser(intArg(1)),
    )
    .addOption(
      new Option(
        '--max-env-bytes <bytes>',
        `largest env of one job as JSON, e.g. 64KiB (default: ${LIMIT_DEFAULTS.maxEnvBytes / 1024}KiB)`,
      ).argParser(bytesArg(2)),
    )
    .addOption(
      new Option(
        '--max-claims-per-token <n>',
        `most concurrent claim long-polls per token, so pilots per token (default: ${LIMIT_DEFAULTS.maxClaimsPerToken})`,
      ).argParser(intArg(1)),
    );
}

/** The read policy the server will apply: the chosen one, else what its address implies. */
export function effectiveReadPolicy(options: ServerOptions): ReadPolicy {
  return options.readPolicy ?? defaultReadPolicy(options.host);
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

/**
 * Starts the server code (loaded on demand so client commands stay light). A server that cannot
 * start (refused address, bad certificate, unreachable database) is a CliError, not a stack trace.
 */
export async function launchServer(options: ServerOptions): Promise<RunningServer> {
  mkdirSync(options.dataDir, { recursive: true, mode: DEFAULTS.dataDirMode });
  const { startServer } = await import('../../server/main.ts');
  try {
    return await startServer(options);
  } catch (error) {
    throw startError(error, options);
  }
}

/** What to say when the server does not start; a taken port keeps its own hint (errors.ts). */
export function startError(error: unknown, options: Pick<ServerOptions, 'tls'>): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as Error & { code?: unknown }).code;
  if (code === 'EADDRINUSE') return error;
  // OpenSSL's own words (e.g. "PEM routines::no start line") name no file: name them.
  const tlsProblem =
    options.tls !== undefined &&
    /PEM|certificate|private key|key values mismatch|SSL|ERR_OSSL/i.test(error.message);
  const lines = tlsProblem
    ? [
        `  check --tls-cert ${options.tls?.certFile} and --tls-key ${options.tls?.keyFile} (PEM files, a matching pair)`,
      ]
    : [];
  return new CliError(`cannot start the server: ${error.message}`, { lines, cause: error });
}

/** The lines `p3s server` and `p3s up` print about access: the admin token, the read policy, TLS. */
export function accessLines(server: RunningServer, options: ServerOptions): string[] {
  const lines = [
    `  admin     token in ${server.adminTokenFile} (local commands use it by themselves)`,
    `            the monitor's Kill and Retry buttons need a login with it: ${server.url}/login`,
  ];
  lines.push(
    `  reads     ${effectiveReadPolicy(options) === 'open' ? 'open to anyone who can connect' : 'need a token'}`,
  );
  if (options.tls) lines.push(`  tls       ${options.tls.certFile}`);
  return lines;
}

export function addServerCommand(program: Command): void {
  const command = program
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
    .addOption(
      new Option(
        '--dispatch-timeout <s>',
        'seconds a claimed job may wait for its start before it is queued again; 0 = never',
      )
        .argParser(intArg(0, 31_536_000))
        .default(DEFAULTS.dispatchTimeoutSeconds as number),
    )
    .addOption(purgeAfterOption())
    .addOption(purgeEveryOption())
    .addOption(
      new Option('--log-level <level>', 'server log level').choices(LOG_LEVELS).default('info' as const),
    )
    .addOption(
      new Option(
        '--factory',
        'also run the pilot factory here, with its defaults (p3s factory for more control)',
      ),
    );
  withSecurityOptions(command).action(async (opts) => {
    const out = output({});
    const options = serverOptionsFrom(opts);
    const server = await launchServer(options);
    out.line(`p3s server listening on ${server.url}`);
    out.line(`  data dir  ${options.dataDir}`);
    out.line(`  database  ${describeDatabase(options.databaseUrl, options.dataDir)}`);
    for (const line of accessLines(server, options)) out.line(line);
    if (options.purgeAfterSeconds !== undefined) {
      const every = options.purgeEverySeconds ?? DEFAULTS.purgeEverySeconds;
      out.line(
        `  retention purge ended records older than ${formatDurationText(options.purgeAfterSeconds)}, every ${formatDurationText(every)}`,
      );
    }
    // The factory talks to this server through its API with the local admin token, as `p3s factory` would.
    const factory = opts.factory
      ? (await import('../../factory/main.ts')).startFactory(
          await factoryOptionsFrom({
            every: FACTORY_DEFAULTS.intervalSeconds,
            grace: FACTORY_DEFAULTS.graceSeconds,
            logLevel: opts.logLevel,
            dataDir: options.dataDir,
            server: server.url,
          }),
        )
      : undefined;
    if (factory) out.line(`  factory   feeding provisioned sites (${options.dataDir}/factory)`);
    const signal = await waitForStopSignal();
    out.note(`p3s: ${signal}, stopping the server`);
    await factory?.stop();
    await server.close();
    exitSoon();
  });
}
