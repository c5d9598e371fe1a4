// Default values shared by the server, the pilot and the CLI (documented in docs/reference/cli.md).

/** The longest the server holds a long-polling read (`wait`), in seconds. */
export const MAX_READ_WAIT_SECONDS = 60;

export const DEFAULTS = {
  port: 7878,
  host: '127.0.0.1',
  /** Data directory when neither --data-dir nor P3S_HOME is set: ~/.p3s */
  dataDirName: '.p3s',
  /**
   * Mode of a data directory p3s creates: its owner's only, since it holds the SQLite database (every
   * job's env, secrets included), the tokens and the local pilots' logs.
   */
  dataDirMode: 0o700,
  databaseFile: 'p3s.db',
  /** Written by a running server so local clients find it. */
  serverInfoFile: 'server.json',
  /** The local admin token, written by the server at first start (mode 0600). */
  adminTokenFile: 'admin.token',
  /** The pilot token of the pilots this host starts for its local server (mode 0600). */
  localPilotsTokenFile: 'local-pilots.token',
  /** Records of pilots started by `p3s pilots start`. */
  pilotsDir: 'pilots',
  workDir: 'work',
  joblogDir: 'joblogs',
  pilotLogDir: 'pilotlogs',
  leaseSeconds: 30,
  pilotTimeoutSeconds: 300,
  reaperIntervalMs: 2000,
  /** A job dispatched this long without a start report is queued again (`--dispatch-timeout`). */
  dispatchTimeoutSeconds: 600,
  /** How often the retention loop runs when `--purge-after` is set. */
  purgeEverySeconds: 3600,
  maxClaimWaitSeconds: 60,
  /** How long an Idempotency-Key is remembered: a re-send within it answers with the first result. */
  idempotencyKeySeconds: 24 * 3600,
  logHeadBytes: 1 << 20,
  logTailBytes: 4 << 20,
  pilotCycles: 1,
  pilotPeriodSeconds: 5,
  pilotBeatSeconds: 5,
  killGraceSeconds: 10,
  /** A pilot takes no jobs while its work or job log directory has less free space than this. */
  pilotMinFreeBytes: 16 * 1024 * 1024,
  maxOutageSeconds: 600,
  upPilots: 4,
} as const;
