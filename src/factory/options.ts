// Settings of one factory process (built by the CLI from flags and environment).

import type { BatchSystem } from '../core/index.ts';

export interface FactoryOptions {
  /** Base URL of the server, as the factory reaches it. */
  server: string;
  /** The factory's own token (an admin's: it records workers and mints the sites' pilot tokens). */
  token?: string;
  caFile?: string;
  /** Where the factory keeps pilot tokens, scripts and the pilots' batch output. */
  dir: string;
  /** Seconds between cycles. */
  intervalSeconds: number;
  /** Only these sites; empty: every site with a provisioning record for a batch system below. */
  sites: string[];
  /** Only sites of these batch systems; empty: every one this factory has an adapter for. */
  batchSystems: BatchSystem[];
  /** The server URL as pilots on the worker nodes reach it. */
  pilotServer: string;
  /** How pilots run p3s when their site does not say (shell text): by default this very p3s. */
  pilotCommand: string;
  /** A CA file for the pilots to trust (a path on the nodes), for an https:// server. */
  pilotCaFile: string | null;
  /** Run one cycle and return. */
  once: boolean;
  logLevel: string;
  /** A submitted worker missing from the batch system's report is lost only after this many seconds. */
  graceSeconds: number;
}

export const FACTORY_DEFAULTS = {
  intervalSeconds: 15,
  graceSeconds: 60,
  dirName: 'factory',
} as const;
