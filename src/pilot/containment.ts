// What keeps a pilot's payloads from outliving it or their time limit, in layers (docs/architecture.md,
// "Payload execution"): each payload's process group; a cgroup per attempt where the pilot may
// create one (job-cgroup.ts); the marks every payload process inherits (process-sweep.ts); and a
// guardian process that kills all of it when the pilot dies (guardian.ts).

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  CGROUP_FEATURES_FILE,
  favorDynmodsCommand,
  favorsDynamicCgroups,
  kernelFavorsDynmods,
} from '../core/cgroup-mount.ts';
import { type Guardian, startGuardian } from './guardian.ts';
import { type JobCgroup, PilotCgroups } from './job-cgroup.ts';

/** What the runner asks of the pilot's containment for each payload. */
export interface PayloadContainment {
  /** A fresh cgroup for the attempt `label`, or null where there are none. */
  jobCgroup(label: string): JobCgroup | null;
  /** The payload's process group exists (the guardian kills it if the pilot dies). */
  started(pgid: number): void;
  /** Every process of the payload is gone. */
  drained(pgid: number): void;
}

export class Containment implements PayloadContainment {
  private constructor(
    private readonly cgroups: PilotCgroups | null,
    private readonly guardian: Guardian | null,
  ) {}

  /**
   * Sets up what this host allows: cgroups if the pilot may create them, and the guardian. Its
   * payloads carry one of `markedWith` as P3S_PILOT_UUID (each slot's uuid, for a pilot with slots).
   */
  static open(pilotUuid: string, log: Logger, markedWith: readonly string[] = [pilotUuid]): Containment {
    const cgroups = PilotCgroups.open(pilotUuid);
    const guardian = startGuardian(markedWith, cgroups?.dir ?? null, log);
    log.info(
      { cgroups: cgroups?.dir ?? null, guardian: guardian !== null },
      cgroups
        ? 'payloads run in a cgroup each, under a guardian'
        : 'payloads run in their process groups, marked, under a guardian (no cgroup v2 the pilot may write)',
    );
    if (cgroups && !favorsDynamicCgroups(cgroups.mount) && kernelFavorsDynmods(readFeatures()))
      log.warn(
        { mount: cgroups.mount.path, fix: favorDynmodsCommand(cgroups.mount) },
        'cgroup v2 is mounted without favordynmods: each job start waits for the kernel (milliseconds) to move it into its cgroup',
      );
    return new Containment(cgroups, guardian);
  }

  jobCgroup(label: string): JobCgroup | null {
    return this.cgroups?.job(label) ?? null;
  }

  started(pgid: number): void {
    this.guardian?.started(pgid);
  }

  drained(pgid: number): void {
    this.guardian?.drained(pgid);
  }

  /** At the pilot's end: the guardian sweeps and exits; the pilot's cgroups go. */
  async close(): Promise<void> {
    await this.guardian?.close();
    this.cgroups?.removeAll();
  }
}

/** The kernel's cgroup features, or undefined where the file is missing. */
function readFeatures(): string | undefined {
  try {
    return readFileSync(CGROUP_FEATURES_FILE, 'utf8');
  } catch {
    return undefined;
  }
}
