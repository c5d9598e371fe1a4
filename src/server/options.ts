// Settings of one server process (built by the CLI from flags and environment).

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
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}
