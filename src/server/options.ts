// Settings of one server process (built by the CLI from flags and environment).

import type { ReadPolicy } from '../core/index.ts';

export interface ServerOptions {
  host: string;
  port: number;
  /** Holds the SQLite file (unless databaseUrl is set) and server.json. */
  dataDir: string;
  /** postgres://… to use PostgreSQL; undefined = SQLite file in dataDir. */
  databaseUrl?: string;
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  logLevel: string;
  /** Lease given per claim/heartbeat; extended to at least 3 pilot beats. */
  leaseSeconds: number;
  /** An idle pilot silent for this long is marked lost. */
  pilotTimeoutSeconds: number;
  /** A job dispatched this long without a start report is queued again; 0 = never. */
  dispatchTimeoutSeconds: number;
  /** How often the lease reaper runs. */
  reaperIntervalMs: number;
  /** Longest claim long-poll. */
  maxClaimWaitSeconds: number;
  logHeadBytes: number;
  logTailBytes: number;
  /** Write <dataDir>/server.json with the URL so local clients find the server. */
  writeServerInfo: boolean;
  /** Retention: purge ended jobs, workflows and pilots older than this many seconds; unset = never. */
  purgeAfterSeconds?: number;
  /** How often the retention loop runs, in seconds (default 3600). */
  purgeEverySeconds?: number;
  /** Who may read without a token; default: open on loopback, token elsewhere. */
  readPolicy?: ReadPolicy;
  /** PEM certificate and key files: serve HTTPS. */
  tls?: { certFile: string; keyFile: string };
  /** Listen beyond loopback over plain HTTP (a TLS-terminating proxy is in front). */
  insecureHttp?: boolean;
  /** Request limits; unset ones take core's LIMIT_DEFAULTS. */
  limits?: Partial<ServerLimits>;
}

export interface ServerLimits {
  bodyBytes: number;
  maxJobsPerSubmission: number;
  maxEnvBytes: number;
  maxClaimsPerToken: number;
}

export interface RunningServer {
  url: string;
  /** The file holding the local admin token (written at first start). */
  adminTokenFile: string;
  close(): Promise<void>;
}
