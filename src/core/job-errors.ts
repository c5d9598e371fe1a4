// Why an attempt of a job failed: a registry of numbered codes in the spirit of
// PanDA's pilot error codes. Failures are data stored on the job and its attempt.

export interface JobErrorInfo {
  /** Stable number shown in listings and the monitor. */
  code: number;
  /** What happened, one line, for docs/reference/errors.md. */
  meaning: string;
}

export const JOB_ERRORS = {
  /** The payload exited with a non-zero status. */
  exit_code: { code: 1100, meaning: 'The payload exited with a non-zero status (the diagnostic quotes it).' },
  /** The payload was ended by a signal that p3s did not send. */
  signal: {
    code: 1101,
    meaning: 'The payload was ended by a signal p3s did not send (e.g. it crashed or ran out of memory).',
  },
  /** Killed at its time limit. */
  timelimit: {
    code: 1200,
    meaning: 'The payload ran past its time limit; its process group got SIGTERM, then SIGKILL.',
  },
  /** Killed on a user's command. */
  killed: { code: 1201, meaning: 'A user killed the job (`p3s job kill`); it ends `cancelled`.' },
  /** A workflow job that will not run because an ancestor failed or was cancelled. */
  ancestor_ended: {
    code: 1202,
    meaning:
      'An ancestor job in its workflow failed or was cancelled, so the job ends `cancelled` without running.',
  },
  /** The payload could not be started. */
  nonstarter: {
    code: 1300,
    meaning: 'The payload could not be started (missing or not executable, bad sandbox copy, …).',
  },
  /** The pilot's lease on the job expired. */
  lost: {
    code: 1400,
    meaning: 'The pilot stopped heartbeating (killed, host gone, network cut) and the lease expired.',
  },
  /** The pilot was told to stop while running the job. */
  pilot_shutdown: {
    code: 1401,
    meaning: 'The pilot was stopped (SIGTERM/SIGINT) while running the job and killed the payload.',
  },
  /** The pilot could not reach the server for longer than its outage limit. */
  server_unreachable: {
    code: 1402,
    meaning: 'The pilot could not reach the server for longer than its outage limit and killed the payload.',
  },
  /** The pilot stopped taking jobs because its lifetime was ending. */
  pilot_lifetime: {
    code: 1403,
    meaning: 'The pilot reached its lifetime limit while the payload ran and killed it.',
  },
  /** The pilot's disk was full. */
  disk_full: {
    code: 1404,
    meaning:
      "The pilot's work or job log directory had no space left: the payload could not start, or failed while the disk was full.",
  },
  /** The payload's process group used more memory than the job asked for, times the pilot's grace. */
  memory_exceeded: {
    code: 1500,
    meaning:
      "The payload's process group used more memory (PSS, else RSS) than the job's `memory` times the pilot's grace factor; the pilot killed it.",
  },
  /** The payload's work dir grew past the job's disk request. */
  disk_exceeded: {
    code: 1501,
    meaning: "The payload's work directory grew past the job's `disk` request; the pilot killed it.",
  },
  /** The payload used no CPU and changed no file for the pilot's `--looping-after` time. */
  looping: {
    code: 1502,
    meaning:
      "The payload used no CPU and changed no file in its work directory for the pilot's `--looping-after` time; the pilot killed it.",
  },
  /** The job waited `defined` for its site longer than the site's `queuelimit`. */
  queue_timeout: {
    code: 1600,
    meaning:
      "The job waited `defined` longer than its site's `queuelimit` without a pilot taking it; the server failed it (never retried).",
  },
} as const satisfies Record<string, JobErrorInfo>;

export type JobErrorName = keyof typeof JOB_ERRORS;

export function jobErrorCode(name: JobErrorName): number {
  return JOB_ERRORS[name].code;
}

export function isJobErrorName(value: string): value is JobErrorName {
  return Object.hasOwn(JOB_ERRORS, value);
}
