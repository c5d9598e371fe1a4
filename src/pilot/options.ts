// Settings of one pilot process (built by the CLI from flags and environment; P3S knobs).

import type { RunAs } from './payload-user.ts';

/** A payload may use its memory request times this before it is killed (PanDA's grace is 2 on RSS). */
export const DEFAULT_MEMORY_GRACE = 1.5;

export interface PilotOptions {
  /** Base URL of the server. */
  server: string;
  /** Pilot (or admin) token sent with every request. */
  token?: string;
  /** The file the token was read from (P3S_TOKEN_FILE, the local pilots' token): kept from payloads. */
  tokenFile?: string;
  /** PEM file of the CA to trust for an https:// server instead of the system's CAs. */
  caFile?: string;
  /** Pilot uuid; generated when absent (`p3s pilots start` passes one to find its pilots later). */
  uuid?: string;
  /**
   * Jobs this process runs at once (default 1): each slot is a pilot of its own to the server
   * (uuid `<uuid>-s<k>`), offers its share of the node and runs in `<workDir>/slot-<k>`; cycles,
   * lifetime and idle exit count per slot (slots.ts).
   */
  slots?: number;
  /** Site name; null = no site (takes only jobs that ask for no site). */
  site: string | null;
  /** Accepted job types; empty = any. */
  jobTypes: string[];
  /** Claim cycles (P3S -c): each cycle is one claim that waits up to `period` s; 0 = until stopped. */
  cycles: number;
  /** Idle period in seconds (P3S -p): how long one claim waits for a job. */
  period: number;
  /** Heartbeat interval in seconds (P3S -b). */
  beat: number;
  /** Each job runs in <workDir>/<job id>-<attempt>/. */
  workDir: string;
  /** Local copies of each job's stdout/stderr as <joblogDir>/<job id>.out / .err. */
  joblogDir: string;
  /** Seconds this pilot may live, 0 = unlimited. */
  lifetime: number;
  /** Stop taking jobs when less than this many seconds of lifetime remain (PanDA timefloor). */
  timefloor: number;
  /** Exit after this many seconds without a job; 0 = never (a batch slot is not held idle). */
  idleExit?: number;
  /** Free text stored with the pilot, e.g. a batch job id (P3S -e). */
  batchId: string | null;
  /** Give up (kill the payload, exit) after the server has been unreachable this long, in seconds. */
  maxOutage: number;
  /** Seconds between SIGTERM and SIGKILL when killing a payload's process group. */
  killGrace: number;
  /** Take no jobs while the work or job log directory has less free space than this, in bytes. */
  minFreeBytes: number;
  /** What the pilot offers (--memory MiB, --cores, --disk MiB); absent: detected from the node. */
  memoryMiB?: number;
  cores?: number;
  diskMiB?: number;
  /** A payload may use its memory request times this factor before it is killed (default 1.5). */
  memoryGrace?: number;
  /** Kill a payload that used no CPU and changed no file for this many seconds; 0 or absent = never. */
  loopingAfter?: number;
  /** Run every payload through /bin/sh -c (P3S -x), as if the job env had P3S_EXECMODE. */
  shell: boolean;
  /** Run payloads as this user (name or uid); the pilot must run as root. */
  payloadUser?: string;
  /** The payload user's account (filled by the pilot at start from `payloadUser`). */
  runAs?: RunAs;
  /** pino level. */
  logLevel: string;
  /** Largest slice of each log stream sent per report, in bytes (default 256 KiB, under common request-body limits). */
  logChunkBytes?: number;
  /**
   * The settings among cycles, period and beat that were chosen explicitly (flags): the site's
   * values replace only the others. Unset = all explicit (the site sets only the payload env).
   */
  explicit?: readonly SiteSetting[];
  /** Payload env from the pilot's site, between the pilot's env and the job's (filled from the server). */
  siteEnv?: Record<string, string>;
}

/** Pilot settings a site may provide as defaults. */
export type SiteSetting = 'cycles' | 'period' | 'beat';
export const SITE_SETTINGS: readonly SiteSetting[] = ['cycles', 'period', 'beat'];

/** What the CLI checks of --slots before a multi-slot pilot starts (slots.ts). */
export { MAX_SLOTS, slotUuidProblem } from './slots.ts';
