// Exit codes of a pilot process (a light module: the CLI reads them without loading the pilot).

export const EXIT = {
  /** Done: cycles or lifetime used up, told to stop, or stopped by SIGTERM/SIGINT. */
  ok: 0,
  /** Local failure (directories, unexpected error). */
  failure: 1,
  /** The server refused the pilot (registration or claim answered with an error). */
  refused: 2,
  /** The server stayed unreachable longer than `maxOutage`. */
  unreachable: 3,
} as const;
