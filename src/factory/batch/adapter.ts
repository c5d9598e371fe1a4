// One interface for every batch system the factory submits pilots to (slurm, htcondor, local; a
// kubernetes adapter would be one more file behind it): submit N pilots, report on some batch
// jobs, remove some. Adapters turn their batch system's words into core's worker terms.

import type { BatchObservation, BatchSystem, PilotResources } from '../../core/index.ts';
import type { PilotLaunch } from '../pilot-launch.ts';

export interface SubmitRequest {
  site: string;
  count: number;
  launch: PilotLaunch;
  resources: PilotResources;
  /** Lines added verbatim to the batch script or submit description. */
  submitLines: string[];
  /** The pilot's site-bound token, readable by the batch job (shared file system, or transferred). */
  tokenFile: string;
  /** Where the batch system writes the pilots' own output. */
  logDir: string;
  /** Where the adapter keeps its generated scripts. */
  scriptDir: string;
  /** The submission's intent tag (intents.ts), carried by each of its batch jobs. */
  tag: string;
}

export interface Submitted {
  /** `<system>:<id>`, what the pilot registers with. */
  batchId: string;
  logPath: string | null;
}

/** The worker record of an accepted batch job, as the factory sends it to the server. */
export function submittedWorker(site: string, system: BatchSystem, submitted: Submitted, factory: string) {
  return {
    site,
    batchSystem: system,
    batchId: submitted.batchId,
    state: 'submitted' as const,
    reason: null,
    failure: null,
    logPath: submitted.logPath,
    factory,
  };
}

export interface SubmitOutcome {
  /** Accepted batch jobs, in submission order. */
  submitted: Submitted[];
  /** Why the batch system refused the rest (its own words), or null when all were accepted. */
  refused: string | null;
}

export interface BatchAdapter {
  readonly system: BatchSystem;
  submit(request: SubmitRequest): Promise<SubmitOutcome>;
  /**
   * The state of these batch jobs, by batch id; a job the batch system no longer knows is absent.
   * Throws when the batch system cannot be asked: then nothing is concluded about any job.
   */
  status(batchIds: string[]): Promise<Map<string, BatchObservation>>;
  /** Removes these batch jobs (removing an ended one is harmless). Throws when the command fails. */
  remove(batchIds: string[]): Promise<void>;
  /**
   * The batch jobs still known that carry this intent tag (`logDir`: as given to their submission).
   * Throws when the batch system cannot be asked: then nothing is concluded.
   */
  findTagged(tag: string, logDir: string): Promise<Submitted[]>;
}

/** The job id of a batch id of this system (`slurm:42` → `42`), or undefined for another system's. */
export function nativeId(system: BatchSystem, batchId: string): string | undefined {
  const prefix = `${system}:`;
  return batchId.startsWith(prefix) ? batchId.slice(prefix.length) : undefined;
}

/** The well-formed native ids among these batch ids of one system: nothing else reaches a command line. */
export function nativeIds(system: BatchSystem, batchIds: string[], wellFormed: RegExp): string[] {
  return batchIds.flatMap((batchId) => {
    const id = nativeId(system, batchId);
    return id !== undefined && wellFormed.test(id) ? [id] : [];
  });
}

/** Epoch seconds as the batch systems print them (0 or absent: unset) → epoch ms. */
export function secondsToMs(seconds: number | null | undefined): number | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}
